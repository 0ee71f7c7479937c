package dev.fusedtrainer.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class as a trainable model. The annotation processor generates {@code <Name>Trainer},
 * a subclass of the model whose {@code step} runs forward, backward and the optimizer update
 * with the update fused as {@link #schedule()} says.
 *
 * <pre>{@code
 * @Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.BACKWARD)
 * @Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
 * public class FashionMlp {
 *     @Layer(units = 256, activation = Activation.RELU) Dense hidden;
 *     @Layer(units = 10) Dense logits;
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Model {
    /**
     * Shape of one input sample, without the batch dimension: a flat feature count ({@code input = 784}) or
     * channels, height and width for convolutional models ({@code input = {1, 28, 28}}, row-major, as
     * PyTorch's NCHW). Every layer's shape is inferred from it at compile time.
     */
    int[] input();

    /** The training loss, applied to the last layer's output. */
    Loss loss();

    /** The default fusion schedule; the generated trainer's builder can pick another. */
    Schedule schedule() default Schedule.BACKWARD;

    /**
     * Data-parallel training only: the capacity, in floats, of one gradient-reduction bucket. The bucket
     * plan is fixed at compile time in backward order: consecutive layers share a bucket up to this size,
     * and a larger layer is cut into pieces of at most this size. Smaller buckets start reductions earlier
     * and overlap more of backward; larger ones pay the per-collective latency less often. The default,
     * 2^20 floats (4 MiB), suits loopback and Ethernet.
     */
    int bucketFloats() default 1 << 20;

    /**
     * Global gradient-norm clipping, as PyTorch's {@code clip_grad_norm_(params, max_norm)} before every
     * update: when the L2 norm of all gradients together exceeds this, every gradient is scaled by
     * {@code clipGradNorm / (norm + 1e-6)}. 0 (the default) turns it off. The norm needs every gradient
     * before the first update, so BACKWARD (which updates each layer as soon as its own gradient exists)
     * cannot do it: use {@link Schedule#FORWARD} (exact: the norm is known at the end of backward and the
     * deferred updates apply the scaled gradients) or {@link Schedule#UNFUSED}.
     */
    double clipGradNorm() default 0;

    /**
     * Per-layer gradient-norm clipping: each layer's gradient (weights and bias together) is scaled by
     * {@code clipLayerGradNorm / (norm + 1e-6)} when its own L2 norm exceeds this, as PyTorch's
     * {@code clip_grad_norm_(layer.parameters(), max_norm)} for every layer; 0 (the default) turns it off.
     * Runs before {@link #clipGradNorm()} when both are set. BACKWARD updates a layer tile by tile while
     * its gradient is produced, before its norm is known: use {@link Schedule#FORWARD} or {@link Schedule#UNFUSED}.
     */
    double clipLayerGradNorm() default 0;

    /**
     * Per-value gradient clipping, as PyTorch's {@code clip_grad_value_(params, clip_value)} before every update:
     * each gradient element is clamped to {@code [-clipGradValue, clipGradValue]}; 0 (the default) turns it off.
     * It needs nothing but the element itself, so every schedule does it exactly, BACKWARD included (the clamp
     * runs inside the fused update as it reads each gradient). Applied last: after gradient accumulation,
     * {@link #clipLayerGradNorm()} and {@link #clipGradNorm()}.
     */
    double clipGradValue() default 0;

    /**
     * Gradient accumulation: each {@code step} call is one micro-batch, and the optimizer update runs once
     * every {@code accumulateSteps} calls with the mean of their gradients (each micro-batch's mean gradient
     * weighs 1 / accumulateSteps, as with PyTorch's {@code loss / N} recipe), clipped first where
     * {@link #clipGradNorm()} asks. The trainer's step count counts updates. 1 (the default) updates every
     * step. Like clipping it needs every gradient of the cycle before the update, so BACKWARD cannot do it:
     * use {@link Schedule#FORWARD} or {@link Schedule#UNFUSED}.
     */
    int accumulateSteps() default 1;
}
