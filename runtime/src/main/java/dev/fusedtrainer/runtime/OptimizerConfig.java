package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.WeightDecay;
import java.util.Map;

/**
 * A fully resolved update rule: the kind and every hyper-parameter, with PyTorch's defaults filled
 * in. Generated trainers construct these from their {@code @Optimizer} annotations; the native
 * kernels read {@link #hyperParameterBlock()}.
 */
public record OptimizerConfig(
        OptimizerKind kind,
        double lr,
        double weightDecay,
        double momentum,
        double dampening,
        boolean nesterov,
        double beta1,
        double beta2,
        double eps,
        boolean amsgrad,
        double alpha,
        boolean centered,
        double lrDecay,
        double initialAccumulatorValue,
        double momentumDecay,
        double trustCoefficient,
        boolean decayBiases) {

    // Slot order of the native block: keep in sync with OptimSlots in native/fusedtrainer/optim.h.
    private static final int HP_SIZE = 18;
    /** Index of the learning rate in {@link #hyperParameterBlock()}. */
    public static final int LR_SLOT = 1;
    /** Index of the per-value gradient clip (0: none), a model setting the trainer writes into every block. */
    public static final int CLIP_VALUE_SLOT = 14;

    public OptimizerConfig {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is null");
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(kind + ": learning rate must be a finite value >= 0, got " + lr);
        }
    }

    /** The rule with PyTorch's defaults, overriding {@code lr}. */
    public static OptimizerConfig defaults(OptimizerKind kind, double lr) {
        return of(kind, Map.of("lr", lr));
    }

    /** The rule with the given hyper-parameters (names as in {@code @Optimizer}) and defaults for the rest. */
    public static OptimizerConfig of(OptimizerKind kind, Map<String, Double> values) {
        for (String name : values.keySet()) {
            if (!kind.defaults().containsKey(name)) {
                throw new IllegalArgumentException(kind + " has no hyper-parameter '" + name + "'; it takes "
                        + kind.defaults().keySet());
            }
        }
        java.util.function.ToDoubleFunction<String> v =
                name -> values.getOrDefault(name, kind.defaults().getOrDefault(name, 0.0));
        return new OptimizerConfig(kind, v.applyAsDouble("lr"), v.applyAsDouble("weightDecay"),
                v.applyAsDouble("momentum"), v.applyAsDouble("dampening"), v.applyAsDouble("nesterov") != 0,
                v.applyAsDouble("beta1"), v.applyAsDouble("beta2"), v.applyAsDouble("eps"),
                v.applyAsDouble("amsgrad") != 0, v.applyAsDouble("alpha"), v.applyAsDouble("centered") != 0,
                v.applyAsDouble("lrDecay"), v.applyAsDouble("initialAccumulatorValue"),
                v.applyAsDouble("momentumDecay"), v.applyAsDouble("trustCoefficient"), true);
    }

    /** This rule with its weight decay restricted to the layer's weights, or to none of its parameters. */
    public OptimizerConfig withDecay(WeightDecay scope) {
        return switch (scope) {
            case ALL -> this;
            case WEIGHTS_ONLY -> new OptimizerConfig(kind, lr, weightDecay, momentum, dampening, nesterov, beta1, beta2,
                    eps, amsgrad, alpha, centered, lrDecay, initialAccumulatorValue, momentumDecay, trustCoefficient,
                    false);
            case NONE -> new OptimizerConfig(kind, lr, 0, momentum, dampening, nesterov, beta1, beta2, eps, amsgrad,
                    alpha, centered, lrDecay, initialAccumulatorValue, momentumDecay, trustCoefficient, true);
        };
    }

    /**
     * The rule and the hyper-parameters it takes, e.g. {@code ADAM(lr=0.001, beta1=0.9, ...)}, and where its decay
     * spares the biases. Layer descriptions, and so checkpoint fingerprints, include it: listing only what the rule
     * reads keeps a fingerprint unchanged when another rule gains a hyper-parameter.
     */
    @Override
    public String toString() {
        Map<String, Double> values = new java.util.LinkedHashMap<>();
        values.put("lr", lr);
        values.put("weightDecay", weightDecay);
        values.put("momentum", momentum);
        values.put("dampening", dampening);
        values.put("nesterov", nesterov ? 1.0 : 0.0);
        values.put("beta1", beta1);
        values.put("beta2", beta2);
        values.put("eps", eps);
        values.put("amsgrad", amsgrad ? 1.0 : 0.0);
        values.put("alpha", alpha);
        values.put("centered", centered ? 1.0 : 0.0);
        values.put("lrDecay", lrDecay);
        values.put("initialAccumulatorValue", initialAccumulatorValue);
        values.put("momentumDecay", momentumDecay);
        values.put("trustCoefficient", trustCoefficient);
        StringBuilder text = new StringBuilder(kind.name()).append('(');
        String sep = "";
        for (String name : kind.defaults().keySet()) {
            text.append(sep).append(name).append('=').append(values.get(name));
            sep = ", ";
        }
        if (!decayBiases) {
            text.append(", biases not decayed");
        }
        return text.append(')').toString();
    }

    /** Which of the three per-parameter state slots this rule uses. */
    public boolean usesStateSlot(int slot) {
        return switch (kind) {
            case SGD -> slot == 0 && momentum != 0;
            case ADAM, ADAMW -> slot < 2 || (slot == 2 && amsgrad);
            case RMSPROP -> slot == 0 || (slot == 1 && centered) || (slot == 2 && momentum > 0);
            case ADAGRAD -> slot == 0;
            case ADAMAX -> slot < 2;  // first moment, infinity norm
            case NADAM, LAMB -> slot < 2;  // first and second moments
            case LARS -> slot == 0 && momentum != 0;
        };
    }

    /** Initial value of a state slot (Adagrad's accumulator starts at initialAccumulatorValue). */
    public float initialState(int slot) {
        return kind == OptimizerKind.ADAGRAD && slot == 0 ? (float) initialAccumulatorValue : 0f;
    }

    /** The native hyper-parameter block. */
    public double[] hyperParameterBlock() {
        double[] hp = new double[HP_SIZE];
        hp[0] = kind.ordinal();
        hp[1] = lr;
        hp[2] = weightDecay;
        hp[3] = momentum;
        hp[4] = dampening;
        hp[5] = nesterov ? 1 : 0;
        hp[6] = beta1;
        hp[7] = beta2;
        hp[8] = eps;
        hp[9] = amsgrad ? 1 : 0;
        hp[10] = alpha;
        hp[11] = centered ? 1 : 0;
        hp[12] = lrDecay;
        hp[13] = initialAccumulatorValue;
        hp[CLIP_VALUE_SLOT] = 0;
        hp[15] = momentumDecay;
        hp[16] = trustCoefficient;
        hp[17] = decayBiases ? weightDecay : 0;  // the decay the biases' update reads (optim.h's bias_hyper)
        return hp;
    }
}
