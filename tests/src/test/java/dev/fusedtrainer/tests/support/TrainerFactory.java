package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import java.lang.reflect.InvocationTargetException;

/** Builds one generated trainer class; each generated trainer has its own Builder type. */
@FunctionalInterface
public interface TrainerFactory {
    Trainer build(Schedule schedule, int threads, int maxBatch, long seed);

    /** On the CPU, through the generated {@code builder()}. */
    static TrainerFactory of(Class<? extends Trainer> trainer) {
        return (schedule, threads, maxBatch, seed) -> build(trainer, Device.cpu(), schedule, threads, maxBatch, seed);
    }

    /** Through the generated {@code builder()}: device, schedule, threads, maxBatch, seed, build. */
    static Trainer build(Class<? extends Trainer> trainer, Device device, Schedule schedule, int threads,
                         int maxBatch, long seed) {
        try {
            Object builder = trainer.getMethod("builder").invoke(null);
            Class<?> type = builder.getClass();
            type.getMethod("device", Device.class).invoke(builder, device);
            type.getMethod("schedule", Schedule.class).invoke(builder, schedule);
            type.getMethod("threads", int.class).invoke(builder, threads);
            type.getMethod("maxBatch", int.class).invoke(builder, maxBatch);
            type.getMethod("seed", long.class).invoke(builder, seed);
            return trainer.cast(type.getMethod("build").invoke(builder));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(trainer + " lacks the generated builder API", e);
        }
    }
}
