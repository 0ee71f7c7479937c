package dev.fusedtrainer.processor.model;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.WeightDecay;
import java.util.Map;

/**
 * A resolved optimizer: its kind and every hyper-parameter it takes (defaults filled in), in table order, and
 * which of its layer's parameters the weight decay applies to ({@code @Layer(decay)}).
 */
public record OptimizerSpec(OptimizerKind kind, Map<String, Double> values, WeightDecay decay) {
    public OptimizerSpec {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    public OptimizerSpec(OptimizerKind kind, Map<String, Double> values) {
        this(kind, values, WeightDecay.ALL);
    }

    /** The same rule for a layer that restricts its decay. */
    public OptimizerSpec withDecay(WeightDecay scope) {
        return new OptimizerSpec(kind, values, scope);
    }

    public double get(String name) {
        return values.getOrDefault(name, 0.0);
    }

    /** Compact text for comments: {@code ADAM(lr=0.001, beta1=0.9, ...)}. */
    public String describe() {
        StringBuilder text = new StringBuilder(kind.name()).append('(');
        String sep = "";
        for (Map.Entry<String, Double> e : values.entrySet()) {
            text.append(sep).append(e.getKey()).append('=').append(formatValue(e.getKey(), e.getValue()));
            sep = ", ";
        }
        if (decay != WeightDecay.ALL && get("weightDecay") != 0) {
            text.append(", decay ").append(decay == WeightDecay.NONE ? "none" : "weights only");
        }
        return text.append(')').toString();
    }

    static String formatValue(String name, double value) {
        if (name.equals("nesterov") || name.equals("amsgrad") || name.equals("centered")) {
            return value != 0 ? "true" : "false";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e6 ? Long.toString((long) value) : Double.toString(value);
    }
}
