package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.cuda.CudaSupport;
import java.lang.reflect.InvocationTargetException;

/** Builds generated trainers on a chosen device, through the generated builder. */
public final class DeviceTrainers {
    private DeviceTrainers() {
    }

    public static Trainer build(Class<? extends Trainer> trainer, Device device, Schedule schedule, int maxBatch,
                                long seed) {
        try {
            Object builder = trainer.getMethod("builder").invoke(null);
            Class<?> type = builder.getClass();
            type.getMethod("device", Device.class).invoke(builder, device);
            type.getMethod("schedule", Schedule.class).invoke(builder, schedule);
            type.getMethod("maxBatch", int.class).invoke(builder, maxBatch);
            type.getMethod("seed", long.class).invoke(builder, seed);
            return trainer.cast(type.getMethod("build").invoke(builder));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(trainer + " lacks the generated builder API", e);
        }
    }

    /** Null where CUDA device 0 is usable, else the probe's reason (for assumptions). */
    public static String whyNoGpu() {
        CudaSupport.Probe probe = CudaSupport.probe(0);
        return probe.usable() ? null : probe.reason();
    }
}
