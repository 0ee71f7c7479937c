package dev.fusedtrainer.annotations;

/**
 * The shape of a {@link LrSchedule}: the factor each layer's learning rate is multiplied by at update
 * {@code u} (counted from 0 after the warm-up), with PyTorch's {@code torch.optim.lr_scheduler} rules
 * stepped once per optimizer update.
 */
public enum LrScheduleKind {
    /** 1 (after the warm-up, if any: so {@code @LrSchedule(warmupSteps = N)} is a plain linear warm-up). */
    CONSTANT,
    /** {@code gamma ^ floor(u / stepSize)}, PyTorch's {@code StepLR}. */
    STEP,
    /** {@code gamma ^ u}, PyTorch's {@code ExponentialLR}. */
    EXPONENTIAL,
    /**
     * {@code minFactor + (1 − minFactor)(1 + cos(π u / decaySteps)) / 2} up to {@code decaySteps}, then
     * {@code minFactor}: PyTorch's {@code CosineAnnealingLR} with {@code T_max = decaySteps} and
     * {@code eta_min = minFactor × lr}, held at its minimum instead of rising again.
     */
    COSINE
}
