package dev.fusedtrainer.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One layer of a {@link Model}, applied in declaration order. The field's type names the kind of
 * layer ({@link Dense}, {@link Conv2d}, {@link MaxPool2d}, {@link AvgPool2d}, {@link Flatten}, {@link Dropout},
 * {@link LayerNorm}, {@link BatchNorm}, {@link Embedding}); the field itself holds nothing at run time, the generated
 * trainer owns the parameters and exposes them by the field's name. Each kind takes only its own elements (the
 * processor reports any other as an error at the value): Dense {@code units}; Conv2d {@code filters},
 * {@code kernel}, {@code stride}, {@code padding}; pooling {@code kernel}, {@code stride}, {@code padding}; Dropout
 * {@code rate}; LayerNorm {@code eps}; BatchNorm {@code eps}, {@code momentum}; Embedding {@code vocabulary},
 * {@code units}; Flatten none. Dense, Conv2d and the normalisations also take {@code activation} (and
 * {@code negativeSlope}); every layer with parameters takes {@code decay}. The processor infers every layer's shape from {@link Model#input()} and reports
 * mismatches at the layer.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Layer {
    /** Output features of a {@link Dense} layer; the row length of an {@link Embedding}. */
    int units() default 0;

    /** Rows of an {@link Embedding} table: ids run from 0 to {@code vocabulary − 1}. */
    int vocabulary() default 0;

    /** Output channels of a {@link Conv2d} layer. */
    int filters() default 0;

    /** Side of the square window of a {@link Conv2d} or pooling layer. */
    int kernel() default 0;

    /** Step between windows; 0 (the default) means 1 for {@link Conv2d} and the kernel for pooling, as in PyTorch. */
    int stride() default 0;

    /** Zeros added on every side of the input of a {@link Conv2d} or pooling layer. */
    int padding() default 0;

    /** Probability that a {@link Dropout} layer zeroes an element in training, in [0, 1) (PyTorch's default 0.5). */
    double rate() default 0.5;

    /** Added to the variance of a {@link LayerNorm} or {@link BatchNorm} layer before its square root (PyTorch's 1e-5). */
    double eps() default 1e-5;

    /**
     * How far a {@link BatchNorm} layer's running statistics move towards each training batch's, in (0, 1]:
     * {@code running = (1 − momentum) · running + momentum · batch} (PyTorch's default 0.1).
     */
    double momentum() default 0.1;

    /**
     * Which of the layer's parameters its optimizer's {@code weightDecay} applies to: {@link WeightDecay#ALL} (the
     * default), {@link WeightDecay#WEIGHTS_ONLY} (not the bias), {@link WeightDecay#NONE}. Layers with parameters.
     */
    WeightDecay decay() default WeightDecay.ALL;

    /** Element-wise activation applied to the layer's output. */
    Activation activation() default Activation.IDENTITY;

    /** Slope for negative inputs; only with {@link Activation#LEAKY_RELU} (PyTorch's default 0.01). */
    double negativeSlope() default 0.01;
}
