package dev.fusedtrainer.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The update rule. On the model class it applies to every parameter; on a {@link Layer} field it
 * overrides the model's rule for that layer's weight and bias.
 *
 * <p>Hyper-parameters use PyTorch's names and, where left out, PyTorch's defaults for the chosen
 * optimizer (so {@code eps} is 1e-8 for Adam but 1e-10 for Adagrad, and AdamW's weight decay is
 * 0.01). Setting a hyper-parameter that the chosen optimizer does not have is a compile error.
 * {@code Double.NaN} in a default below means "the optimizer's own default".
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.FIELD})
public @interface Optimizer {
    OptimizerKind value();

    /** Learning rate. SGD has no default, as in PyTorch. */
    double lr() default Double.NaN;

    /** L2 penalty added to the gradient; for AdamW the decoupled decay. */
    double weightDecay() default Double.NaN;

    /** SGD and RMSprop. */
    double momentum() default Double.NaN;

    /** SGD: dampening for momentum. */
    double dampening() default Double.NaN;

    /** SGD: Nesterov momentum (needs momentum &gt; 0 and dampening 0). */
    boolean nesterov() default false;

    /** Adam, AdamW, Adamax and NAdam: coefficient of the running gradient average. */
    double beta1() default Double.NaN;

    /** Adam, AdamW and NAdam: coefficient of the running squared-gradient average; Adamax: decay of the infinity norm. */
    double beta2() default Double.NaN;

    /** Adam, AdamW, RMSprop, Adagrad: term added to the denominator. */
    double eps() default Double.NaN;

    /** Adam and AdamW: the AMSGrad variant. */
    boolean amsgrad() default false;

    /** RMSprop: smoothing constant. */
    double alpha() default Double.NaN;

    /** RMSprop: normalise by the centred second moment. */
    boolean centered() default false;

    /** Adagrad: learning-rate decay. */
    double lrDecay() default Double.NaN;

    /** Adagrad: initial value of the squared-gradient sum. */
    double initialAccumulatorValue() default Double.NaN;

    /** NAdam: psi in the momentum schedule mu_t = beta1 (1 - 0.5 * 0.96^(t psi)). */
    double momentumDecay() default Double.NaN;

    /** LARS: eta, the trust coefficient of the local learning rate eta ‖w‖ / (‖g‖ + weightDecay ‖w‖ + eps). */
    double trustCoefficient() default Double.NaN;
}
