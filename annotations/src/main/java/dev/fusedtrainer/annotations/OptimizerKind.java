package dev.fusedtrainer.annotations;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Update rules, each with the semantics and defaults of its {@code torch.optim} namesake
 * (PyTorch 1.13; LAMB and LARS, which torch.optim lacks, follow their papers). The table of which hyper-parameters each rule takes, and their defaults, lives
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
    NADAM(entries("lr", 2e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weightDecay", 0.0, "momentumDecay", 4e-3)),
    /**
     * LAMB (You et al., 2020, "Large Batch Optimization for Deep Learning", Algorithm 2): Adam's bias-corrected
     * step plus decoupled weight decay, {@code u = m̂ / (√v̂ + eps) + weightDecay · w}, scaled per tensor by the
     * trust ratio {@code ‖w‖ / ‖u‖} (1 where either norm is 0). Not in torch.optim; defaults as apex's FusedLAMB
     * and timm's Lamb. Each tensor (a layer's weight, its bias) has its own ratio.
     */
    LAMB(entries("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-6, "weightDecay", 1e-2)),
    /**
     * LARS (You, Gitman, Ginsburg, 2017, "Large Batch Training of Convolutional Networks"): SGD with momentum on
     * {@code (g + weightDecay · w)} scaled per tensor by the local rate
     * {@code trustCoefficient · ‖w‖ / (‖g‖ + weightDecay · ‖w‖ + eps)} (1 where either norm is 0), the learning rate
     * applied outside the momentum buffer as in timm's Lars. Not in torch.optim; the learning rate has no default
     * (it scales with the batch size). Each tensor (a layer's weight, its bias) has its own ratio.
     */
    LARS(entries("lr", Double.NaN, "momentum", 0.9, "weightDecay", 0.0, "trustCoefficient", 1e-3, "eps", 1e-8,
            "nesterov", 0.0));

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

    /** Whether the rule needs norms over each whole parameter tensor (LAMB, LARS), not just each element. */
    public boolean layerwise() {
        return this == LAMB || this == LARS;
    }

    private static Map<String, Double> entries(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Double) pairs[i + 1]);
        }
        return map;
    }
}
