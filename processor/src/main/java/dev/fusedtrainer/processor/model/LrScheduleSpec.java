package dev.fusedtrainer.processor.model;

import dev.fusedtrainer.annotations.LrScheduleKind;

/**
 * A validated {@code @LrSchedule}: only the elements its kind uses are meaningful (the others hold their
 * neutral values), and a warm-up of 0 steps has start factor 1.
 */
public record LrScheduleSpec(LrScheduleKind kind, int stepSize, double gamma, int decaySteps, double minFactor,
                             int warmupSteps, double warmupStartFactor) {
}
