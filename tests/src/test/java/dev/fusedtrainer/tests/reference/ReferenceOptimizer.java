package dev.fusedtrainer.tests.reference;

import dev.fusedtrainer.annotations.OptimizerKind;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The published update rules in double precision, written from the pseudo-code of the
 * torch.optim documentation (PyTorch 1.13): SGD (with PyTorch's first-step momentum buffer =
 * gradient), Adam (Kingma &amp; Ba, with AMSGrad from Reddi et al.), AdamW (Loshchilov &amp;
 * Hutter), RMSprop (Hinton, lecture 6e, eps outside the root) and Adagrad (Duchi et al., with
 * PyTorch's lr_decay). Defaults are PyTorch's, spelled out here rather than read from the code
 * under test. One instance holds the state of one flat parameter vector.
 */
public final class ReferenceOptimizer {

    /** PyTorch's defaults per rule; NaN where PyTorch has none (SGD's lr). */
    private static Map<String, Double> pytorchDefaults(OptimizerKind kind) {
        Map<String, Double> d = new LinkedHashMap<>();
        switch (kind) {
            case SGD -> {
                d.put("lr", Double.NaN);
                d.put("momentum", 0.0);
                d.put("dampening", 0.0);
                d.put("weightDecay", 0.0);
                d.put("nesterov", 0.0);
            }
            case ADAM, ADAMW -> {
                d.put("lr", 1e-3);
                d.put("beta1", 0.9);
                d.put("beta2", 0.999);
                d.put("eps", 1e-8);
                d.put("weightDecay", kind == OptimizerKind.ADAMW ? 1e-2 : 0.0);
                d.put("amsgrad", 0.0);
            }
            case RMSPROP -> {
                d.put("lr", 1e-2);
                d.put("alpha", 0.99);
                d.put("eps", 1e-8);
                d.put("weightDecay", 0.0);
                d.put("momentum", 0.0);
                d.put("centered", 0.0);
            }
            case ADAGRAD -> {
                d.put("lr", 1e-2);
                d.put("lrDecay", 0.0);
                d.put("weightDecay", 0.0);
                d.put("initialAccumulatorValue", 0.0);
                d.put("eps", 1e-10);
            }
            case ADAMAX, NADAM -> {
                d.put("lr", 2e-3);
                d.put("beta1", 0.9);
                d.put("beta2", 0.999);
                d.put("eps", 1e-8);
                d.put("weightDecay", 0.0);
                if (kind == OptimizerKind.NADAM) {
                    d.put("momentumDecay", 4e-3);
                }
            }
            case LAMB -> {  // the paper's hyper-parameters; defaults as apex's FusedLAMB and timm's Lamb
                d.put("lr", 1e-3);
                d.put("beta1", 0.9);
                d.put("beta2", 0.999);
                d.put("eps", 1e-6);
                d.put("weightDecay", 1e-2);
            }
            case LARS -> {  // timm's Lars: lr has no sensible default (it scales with the batch)
                d.put("lr", Double.NaN);
                d.put("momentum", 0.9);
                d.put("weightDecay", 0.0);
                d.put("trustCoefficient", 1e-3);
                d.put("eps", 1e-8);
                d.put("nesterov", 0.0);
            }
        }
        return d;
    }

    private final OptimizerKind kind;
    private final Map<String, Double> hp;
    private final double[] s0;
    private final double[] s1;
    private final double[] s2;
    private long step;
    private double nadamMuProduct = 1;  // mu_1 ... mu_t
    private boolean nadamAsPytorch113;

    /**
     * {@code values}: hyper-parameters by {@code @Optimizer} name (booleans as 0/1); PyTorch's
     * defaults for the rest.
     */
    public ReferenceOptimizer(OptimizerKind kind, Map<String, Double> values, int n) {
        this.kind = kind;
        this.hp = pytorchDefaults(kind);
        for (Map.Entry<String, Double> e : values.entrySet()) {
            if (!hp.containsKey(e.getKey())) {
                throw new IllegalArgumentException(kind + " has no " + e.getKey());
            }
            hp.put(e.getKey(), e.getValue());
        }
        s0 = new double[n];
        s1 = new double[n];
        s2 = new double[n];
        if (kind == OptimizerKind.ADAGRAD) {
            java.util.Arrays.fill(s0, hp.get("initialAccumulatorValue"));
        }
    }

    /** The hyper-parameters as PyTorch's JSON names them, converted to {@code @Optimizer} names. */
    public static Map<String, Double> fromPytorchNames(Map<String, Object> pytorch) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : pytorch.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "betas" -> {
                    java.util.List<?> betas = (java.util.List<?>) v;
                    values.put("beta1", ((Number) betas.get(0)).doubleValue());
                    values.put("beta2", ((Number) betas.get(1)).doubleValue());
                }
                case "weight_decay" -> values.put("weightDecay", number(v));
                case "lr_decay" -> values.put("lrDecay", number(v));
                case "momentum_decay" -> values.put("momentumDecay", number(v));
                case "initial_accumulator_value" -> values.put("initialAccumulatorValue", number(v));
                default -> values.put(e.getKey(), number(v));
            }
        }
        return values;
    }

    private static double number(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }

    /**
     * NAdam as PyTorch 1.13 computed it, with mu_product_next = mu_1 ... mu_t * mu_t * mu_{t+1} (one
     * mu_t too many; fixed in pytorch/pytorch#92699): only to show that this is the one difference
     * between the published rule and the 1.13 trajectory in optimizers.json.
     */
    public ReferenceOptimizer withPytorch113NadamProduct() {
        nadamAsPytorch113 = true;
        return this;
    }

    /** The learning rate of the following updates (what a schedule sets). */
    public void setLearningRate(double lr) {
        hp.put("lr", lr);
    }

    /**
     * A sparse ("lazy") update, PyTorch's {@code SparseAdam} semantics: the update count advances, but only the
     * elements with {@code touched[i]} change, parameters and state alike; the others keep their values.
     */
    public void step(double[] p, double[] g, boolean[] touched) {
        double[] keptP = p.clone();
        double[][] keptState = {s0 == null ? null : s0.clone(), s1 == null ? null : s1.clone(),
            s2 == null ? null : s2.clone()};
        double[][] state = {s0, s1, s2};
        step(p, g);
        for (int i = 0; i < p.length; i++) {
            if (!touched[i]) {
                p[i] = keptP[i];
                for (int k = 0; k < 3; k++) {
                    if (state[k] != null) {
                        state[k][i] = keptState[k][i];
                    }
                }
            }
        }
    }

    /** One update of p in place from gradient g. */
    public void step(double[] p, double[] g) {
        step++;
        double lr = hp.get("lr");
        double wd = hp.get("weightDecay");
        switch (kind) {
            case SGD -> {
                double momentum = hp.get("momentum");
                double dampening = hp.get("dampening");
                boolean nesterov = hp.get("nesterov") != 0;
                for (int i = 0; i < p.length; i++) {
                    double d = g[i] + wd * p[i];
                    if (momentum != 0) {
                        s0[i] = step == 1 ? d : momentum * s0[i] + (1 - dampening) * d;
                        d = nesterov ? d + momentum * s0[i] : s0[i];
                    }
                    p[i] -= lr * d;
                }
            }
            case ADAM, ADAMW -> {
                double beta1 = hp.get("beta1");
                double beta2 = hp.get("beta2");
                double eps = hp.get("eps");
                boolean amsgrad = hp.get("amsgrad") != 0;
                double bias1 = 1 - Math.pow(beta1, step);
                double bias2 = 1 - Math.pow(beta2, step);
                for (int i = 0; i < p.length; i++) {
                    double grad = g[i];
                    if (kind == OptimizerKind.ADAMW) {
                        p[i] *= 1 - lr * wd;
                    } else {
                        grad += wd * p[i];
                    }
                    s0[i] = beta1 * s0[i] + (1 - beta1) * grad;
                    s1[i] = beta2 * s1[i] + (1 - beta2) * grad * grad;
                    double second = s1[i];
                    if (amsgrad) {
                        s2[i] = Math.max(s2[i], s1[i]);
                        second = s2[i];
                    }
                    double denominator = Math.sqrt(second) / Math.sqrt(bias2) + eps;
                    p[i] -= lr / bias1 * s0[i] / denominator;
                }
            }
            case RMSPROP -> {
                double alpha = hp.get("alpha");
                double eps = hp.get("eps");
                double momentum = hp.get("momentum");
                boolean centered = hp.get("centered") != 0;
                for (int i = 0; i < p.length; i++) {
                    double grad = g[i] + wd * p[i];
                    s0[i] = alpha * s0[i] + (1 - alpha) * grad * grad;
                    double variance = s0[i];
                    if (centered) {
                        s1[i] = alpha * s1[i] + (1 - alpha) * grad;
                        variance -= s1[i] * s1[i];
                    }
                    double avg = Math.sqrt(variance) + eps;
                    if (momentum > 0) {
                        s2[i] = momentum * s2[i] + grad / avg;
                        p[i] -= lr * s2[i];
                    } else {
                        p[i] -= lr * grad / avg;
                    }
                }
            }
            case ADAGRAD -> {
                double eps = hp.get("eps");
                double clr = lr / (1 + (step - 1) * hp.get("lrDecay"));
                for (int i = 0; i < p.length; i++) {
                    double grad = g[i] + wd * p[i];
                    s0[i] += grad * grad;
                    p[i] -= clr * grad / (Math.sqrt(s0[i]) + eps);
                }
            }
            case ADAMAX -> {  // Kingma & Ba (2015), section 7.1, as torch.optim.Adamax: u = max(beta2 u, |g| + eps)
                double beta1 = hp.get("beta1");
                double beta2 = hp.get("beta2");
                double eps = hp.get("eps");
                double clr = lr / (1 - Math.pow(beta1, step));
                for (int i = 0; i < p.length; i++) {
                    double grad = g[i] + wd * p[i];
                    s0[i] = beta1 * s0[i] + (1 - beta1) * grad;
                    s1[i] = Math.max(beta2 * s1[i], Math.abs(grad) + eps);
                    p[i] -= clr * s0[i] / s1[i];
                }
            }
            case NADAM -> {  // Dozat (2016), as torch.optim.NAdam's documented algorithm
                double beta1 = hp.get("beta1");
                double beta2 = hp.get("beta2");
                double eps = hp.get("eps");
                double psi = hp.get("momentumDecay");
                double mu = beta1 * (1 - 0.5 * Math.pow(0.96, step * psi));
                double muNext = beta1 * (1 - 0.5 * Math.pow(0.96, (step + 1) * psi));
                nadamMuProduct *= mu;
                double productNext = nadamMuProduct * (nadamAsPytorch113 ? mu : 1) * muNext;
                double bias2 = 1 - Math.pow(beta2, step);
                for (int i = 0; i < p.length; i++) {
                    double grad = g[i] + wd * p[i];
                    s0[i] = beta1 * s0[i] + (1 - beta1) * grad;
                    s1[i] = beta2 * s1[i] + (1 - beta2) * grad * grad;
                    double denominator = Math.sqrt(s1[i] / bias2) + eps;
                    p[i] -= lr * (1 - mu) / (1 - nadamMuProduct) * grad / denominator
                            + lr * muNext / (1 - productNext) * s0[i] / denominator;
                }
            }
            case LAMB -> {  // You et al. (2020), Algorithm 2, phi = identity; p is one tensor
                double beta1 = hp.get("beta1");
                double beta2 = hp.get("beta2");
                double eps = hp.get("eps");
                double[] update = new double[p.length];
                double weightNorm = 0;
                double updateNorm = 0;
                for (int i = 0; i < p.length; i++) {
                    s0[i] = beta1 * s0[i] + (1 - beta1) * g[i];
                    s1[i] = beta2 * s1[i] + (1 - beta2) * g[i] * g[i];
                    double mHat = s0[i] / (1 - Math.pow(beta1, step));
                    double vHat = s1[i] / (1 - Math.pow(beta2, step));
                    update[i] = mHat / (Math.sqrt(vHat) + eps) + wd * p[i];
                    weightNorm += p[i] * p[i];
                    updateNorm += update[i] * update[i];
                }
                weightNorm = Math.sqrt(weightNorm);
                updateNorm = Math.sqrt(updateNorm);
                double trust = weightNorm > 0 && updateNorm > 0 ? weightNorm / updateNorm : 1;
                for (int i = 0; i < p.length; i++) {
                    p[i] -= lr * trust * update[i];
                }
            }
            case LARS -> {  // You, Gitman, Ginsburg (2017), Algorithm 1, lr outside the momentum as timm; p is one tensor
                double momentum = hp.get("momentum");
                boolean nesterov = hp.get("nesterov") != 0;
                double weightNorm = 0;
                double gradientNorm = 0;
                for (int i = 0; i < p.length; i++) {
                    weightNorm += p[i] * p[i];
                    gradientNorm += g[i] * g[i];
                }
                weightNorm = Math.sqrt(weightNorm);
                gradientNorm = Math.sqrt(gradientNorm);
                double local = weightNorm > 0 && gradientNorm > 0
                        ? hp.get("trustCoefficient") * weightNorm / (gradientNorm + wd * weightNorm + hp.get("eps")) : 1;
                for (int i = 0; i < p.length; i++) {
                    double d = local * (g[i] + wd * p[i]);
                    if (momentum != 0) {
                        s0[i] = momentum * s0[i] + d;
                        d = nesterov ? d + momentum * s0[i] : s0[i];
                    }
                    p[i] -= lr * d;
                }
            }
        }
    }
}
