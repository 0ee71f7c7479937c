package dev.fusedtrainer.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One layer of a {@link Model}, applied in declaration order. The field's type names the kind of
 * layer ({@link Dense}); the field itself holds nothing at run time, the generated trainer owns
 * the parameters and exposes them by the field's name.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Layer {
    /** Output features of a {@link Dense} layer. */
    int units();

    /** Element-wise activation applied to the layer's output. */
    Activation activation() default Activation.IDENTITY;

    /** Slope for negative inputs; only with {@link Activation#LEAKY_RELU} (PyTorch's default 0.01). */
    double negativeSlope() default 0.01;
}
