package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import java.lang.reflect.InvocationTargetException;

/** Builds one generated trainer class; each generated trainer has its own Builder type. */
@FunctionalInterface
public interface TrainerFactory {
    Trainer build(Schedule schedule, int threads, int maxBatch, long seed);

    /** Through the generated {@code builder()}: schedule, threads, maxBatch, seed, build. */
    static TrainerFactory of(Class<? extends Trainer> trainer) {
        return (schedule, threads, maxBatch, seed) -> {
            try {
                Object builder = trainer.getMethod("builder").invoke(null);
                Class<?> type = builder.getClass();
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
        };
    }
}
