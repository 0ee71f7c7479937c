package dev.fusedtrainer.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A learning-rate schedule for a {@link Model}, read at every optimizer update: each layer's learning rate
 * is its {@link Optimizer#lr()} times the schedule's factor for that update (times the trainer's
 * learning-rate factor). Updates are counted as PyTorch counts {@code scheduler.step()} calls made once per
 * {@code optimizer.step()}: the first update uses the factor of update 0. The generated trainer can switch
 * to another schedule at run time, and checkpoints carry the schedule in force.
 *
 * <pre>{@code
 * @LrSchedule(value = LrScheduleKind.COSINE, decaySteps = 9000, warmupSteps = 500, warmupStartFactor = 0.01)
 * }</pre>
 *
 * <p>An optional linear warm-up comes first, PyTorch's {@code LinearLR(start_factor, 1, total_iters)} chained
 * with {@code SequentialLR}: the factor rises from {@code warmupStartFactor} by equal steps and the decay
 * starts at 1 after {@code warmupSteps} updates. Elements that the chosen kind does not use are compile
 * errors, as are missing required ones.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface LrSchedule {
    LrScheduleKind value() default LrScheduleKind.CONSTANT;

    /** STEP (required): updates between two decays. */
    int stepSize() default 0;

    /** STEP (default 0.1, as PyTorch) and EXPONENTIAL (required): the decay factor, in (0, 1]. */
    double gamma() default Double.NaN;

    /** COSINE (required): updates from factor 1 down to {@code minFactor}, counted after the warm-up. */
    int decaySteps() default 0;

    /** COSINE: the final factor, in [0, 1] (PyTorch's {@code eta_min} as a fraction of each layer's lr). */
    double minFactor() default 0;

    /** Updates of linear warm-up before the schedule; 0 (the default) for none. */
    int warmupSteps() default 0;

    /** The warm-up's first factor, in (0, 1]; PyTorch's {@code LinearLR} default 1/3. */
    double warmupStartFactor() default 1.0 / 3;
}
