package dev.fusedtrainer.annotations;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Update rules, each with the semantics and defaults of its {@code torch.optim} namesake
 * (PyTorch 1.13). The table of which hyper-parameters each rule takes, and their defaults, lives
 * here once: the annotation processor validates against it and the runtime reads it.
 */
public enum OptimizerKind {
    /** {@code torch.optim.SGD}; the learning rate has no default. */
    SGD(entries("lr", Double.NaN, "momentum", 0.0, "dampening", 0.0, "weightDecay", 0.0, "nesterov", 0.0)),
    /** {@code torch.optim.Adam}. */
    ADAM(entries("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0, "amsgrad", 0.0)),
    /** {@code torch.optim.AdamW}: weight decay applied to the weights, not the gradient. */
    ADAMW(entries("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 1e-2, "amsgrad", 0.0)),
    /** {@code torch.optim.RMSprop}. */
    RMSPROP(entries("lr", 1e-2, "alpha", 0.99, "eps", 1e-8, "weightDecay", 0.0, "momentum", 0.0, "centered", 0.0)),
    /** {@code torch.optim.Adagrad}. */
    ADAGRAD(entries("lr", 1e-2, "lrDecay", 0.0, "weightDecay", 0.0, "initialAccumulatorValue", 0.0, "eps", 1e-10)),
    /** {@code torch.optim.Adamax}: Adam with the infinity norm (Kingma &amp; Ba, 2015, section 7). */
    ADAMAX(entries("lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0)),
    /**
     * {@code torch.optim.NAdam}: Adam with Nesterov momentum (Dozat, 2016), the momentum coefficient
     * warmed up by {@code momentumDecay}. Follows the published rule and PyTorch 2.x, whose
     * {@code mu_product_next} dropped 1.13's extra factor of mu_t (pytorch/pytorch#92699).
     */
    NADAM(entries("lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0, "momentumDecay", 4e-3));

    private final Map<String, Double> defaults;

    OptimizerKind(Map<String, Double> defaults) {
        this.defaults = Collections.unmodifiableMap(defaults);
    }

    /**
     * The hyper-parameters this rule takes (names of {@link Optimizer}'s elements) with PyTorch's
     * defaults; booleans as 0/1; {@code NaN} where PyTorch has no default.
     */
    public Map<String, Double> defaults() {
        return defaults;
    }

    private static Map<String, Double> entries(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Double) pairs[i + 1]);
        }
        return map;
    }
}
