package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.cuda.CudaSupport;

/** Builds generated trainers on a chosen device, through the generated builder. */
public final class DeviceTrainers {
    private DeviceTrainers() {
    }

    public static Trainer build(Class<? extends Trainer> trainer, Device device, Schedule schedule, int maxBatch,
                                long seed) {
        return TrainerFactory.build(trainer, device, schedule, 1, maxBatch, seed);
    }

    /** Null where CUDA device 0 is usable, else the probe's reason (for assumptions). */
    public static String whyNoGpu() {
        CudaSupport.Probe probe = CudaSupport.probe(0);
        return probe.usable() ? null : probe.reason();
    }
}
