package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;

/** Builds one generated trainer class; each generated trainer has its own Builder type. */
@FunctionalInterface
public interface TrainerFactory {
    Trainer build(Schedule schedule, int threads, int maxBatch, long seed);
}
