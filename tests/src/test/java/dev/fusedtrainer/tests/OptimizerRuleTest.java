package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.runtime.OptimizerConfig;
import dev.fusedtrainer.runtime.cpu.CpuKernels;
import dev.fusedtrainer.runtime.cpu.NativeSupport;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.ReferenceData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native update rule (CpuKernels.ft_optim_update, the one rule every schedule's kernel
 * calls) against the published formulas (ReferenceOptimizer, double) and against PyTorch's own
 * trajectories (optimizers.json).
 */
class OptimizerRuleTest {

    @BeforeAll
    static void loadKernels() {
        NativeSupport.ensureLoaded();
    }

    /** One flat parameter vector, its state slots and its rule, in native memory. */
    static final class NativeRule implements AutoCloseable {
        final int n;
        final DoublePointer hp;
        final FloatPointer params;
        final FloatPointer grads;
        final FloatPointer[] slots = new FloatPointer[3];
        final int threads;
        long step;

        NativeRule(OptimizerKind kind, Map<String, Double> values, float[] initial, int threads) {
            OptimizerConfig config = OptimizerConfig.of(kind, values);
            this.n = initial.length;
            this.threads = threads;
            hp = new DoublePointer(config.hyperParameterBlock());
            params = new FloatPointer(initial);
            grads = new FloatPointer((long) n);
            for (int slot = 0; slot < 3; slot++) {
                if (config.usesStateSlot(slot)) {
                    float[] fill = new float[n];
                    java.util.Arrays.fill(fill, config.initialState(slot));
                    slots[slot] = new FloatPointer(fill);
                }
            }
        }

        float[] step(float[] gradient) {
            grads.put(gradient);
            CpuKernels.ft_optim_update(hp, ++step, params, grads, slots[0], slots[1], slots[2], n, threads);
            float[] out = new float[n];
            params.get(out);
            return out;
        }

        @Override
        public void close() {
            hp.close();
            params.close();
            grads.close();
            for (FloatPointer slot : slots) {
                if (slot != null) {
                    slot.close();
                }
            }
        }
    }

    // ---- (a) against the published rules, written in double ----

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of(OptimizerKind.SGD, Map.of("lr", 0.1)),
                Arguments.of(OptimizerKind.SGD, Map.of("lr", 0.05, "momentum", 0.9)),
                Arguments.of(OptimizerKind.SGD,
                        Map.of("lr", 0.05, "momentum", 0.8, "dampening", 0.3, "weightDecay", 0.05)),
                Arguments.of(OptimizerKind.SGD,
                        Map.of("lr", 0.05, "momentum", 0.9, "nesterov", 1.0, "weightDecay", 0.05)),
                Arguments.of(OptimizerKind.ADAM, Map.of("lr", 0.01)),
                // a large eps and strong decay make every term of the rule visible in float32
                Arguments.of(OptimizerKind.ADAM,
                        Map.of("lr", 0.01, "beta1", 0.7, "beta2", 0.95, "eps", 0.05, "weightDecay", 0.1)),
                Arguments.of(OptimizerKind.ADAM, Map.of("lr", 0.01, "amsgrad", 1.0, "weightDecay", 0.02)),
                Arguments.of(OptimizerKind.ADAMW, Map.of("lr", 0.01)),
                Arguments.of(OptimizerKind.ADAMW, Map.of("lr", 0.02, "weightDecay", 0.3, "eps", 0.05, "amsgrad", 1.0)),
                Arguments.of(OptimizerKind.RMSPROP, Map.of("lr", 0.01)),
                Arguments.of(OptimizerKind.RMSPROP, Map.of("lr", 0.01, "alpha", 0.9, "eps", 0.05, "weightDecay", 0.05)),
                Arguments.of(OptimizerKind.RMSPROP,
                        Map.of("lr", 0.005, "momentum", 0.5, "centered", 1.0, "weightDecay", 0.01)),
                Arguments.of(OptimizerKind.RMSPROP, Map.of("lr", 0.005, "momentum", 0.7)),
                Arguments.of(OptimizerKind.ADAGRAD, Map.of("lr", 0.1)),
                Arguments.of(OptimizerKind.ADAGRAD, Map.of("lr", 0.1, "lrDecay", 0.05, "initialAccumulatorValue", 0.1,
                        "weightDecay", 0.05, "eps", 0.01)),
                Arguments.of(OptimizerKind.ADAMAX, Map.of("lr", 0.01)),
                Arguments.of(OptimizerKind.ADAMAX, Map.of("lr", 0.01, "beta1", 0.8, "beta2", 0.9, "eps", 0.05,
                        "weightDecay", 0.05)),
                Arguments.of(OptimizerKind.NADAM, Map.of("lr", 0.01)),
                // a fast momentum warm-up and large eps make mu_t's schedule and every term visible
                Arguments.of(OptimizerKind.NADAM, Map.of("lr", 0.01, "beta1", 0.8, "beta2", 0.9, "eps", 0.05,
                        "weightDecay", 0.05, "momentumDecay", 0.5)),
                // beta1 close to 1 and the default psi: mu_t near beta1 / 2 at first, as in most runs
                Arguments.of(OptimizerKind.NADAM, Map.of("lr", 0.005, "beta1", 0.995)),
                // layer-wise: the vector is one tensor, its norms set each step's trust ratio
                Arguments.of(OptimizerKind.LAMB, Map.of("lr", 0.01)),
                Arguments.of(OptimizerKind.LAMB, Map.of("lr", 0.02, "beta1", 0.7, "beta2", 0.95, "eps", 0.05,
                        "weightDecay", 0.1)),
                Arguments.of(OptimizerKind.LARS, Map.of("lr", 0.5)),
                Arguments.of(OptimizerKind.LARS, Map.of("lr", 1.0, "momentum", 0.0, "weightDecay", 0.05,
                        "trustCoefficient", 0.02, "eps", 0.01)),
                Arguments.of(OptimizerKind.LARS, Map.of("lr", 0.5, "nesterov", 1.0, "weightDecay", 0.01)));
    }

    /** Gradients spanning four orders of magnitude, so that eps, decay and moment terms all matter. */
    private static float[] gradient(SplittableRandom random, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextDouble(-3, 0.5)));
        }
        return g;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rules")
    void nativeRuleFollowsThePublishedUpdateFor30Steps(OptimizerKind kind, Map<String, Double> values) {
        int n = 1003;  // not a multiple of the vector width: the remainder loop runs too
        SplittableRandom random = new SplittableRandom(kind.ordinal() * 1000L + values.hashCode());
        float[] initial = Data.uniform(random, n, 1);
        ReferenceOptimizer reference = new ReferenceOptimizer(kind, values, n);
        double[] expected = Data.toDouble(initial);
        try (NativeRule rule = new NativeRule(kind, values, initial, 1)) {
            for (int step = 1; step <= 30; step++) {
                float[] g = gradient(random, n);
                reference.step(expected, Data.toDouble(g));
                float[] actual = rule.step(g);
                // Float32 rounding: each step rounds the state and the parameter once or twice
                // (~6e-8 relative), so after 30 steps the drift from the double rule stays below
                // ~30 ulps of |p| ≤ 2 (about 4e-6). A wrong term (eps inside the root, bias
                // correction off by a step, decay on the wrong side) moves a parameter by a
                // sizeable part of an update, 1e-4 or more.
                Close.assertClose(kind + " " + values + " step " + step, expected, Data.toDouble(actual), 4e-6, 0);
            }
        }
    }

    /** The threaded split of the update pass must not change a single bit: the rule is element-wise. */
    @Test
    void twoThreadsGiveBitIdenticalUpdates() {
        int n = 40_003;  // the pass splits from 2 × 16384 elements
        Map<String, Double> values = Map.of("lr", 0.01, "amsgrad", 1.0, "weightDecay", 0.01);
        SplittableRandom random = new SplittableRandom(5);
        float[] initial = Data.uniform(random, n, 1);
        try (NativeRule one = new NativeRule(OptimizerKind.ADAM, values, initial, 1);
             NativeRule two = new NativeRule(OptimizerKind.ADAM, values, initial, 2)) {
            for (int step = 1; step <= 3; step++) {
                float[] g = gradient(random, n);
                assertArrayEquals(one.step(g), two.step(g), "step " + step);
            }
        }
    }

    // ---- (b) against PyTorch ----

    /**
     * The file's NAdam trajectory comes from PyTorch 1.13, whose single-tensor NAdam multiplied
     * mu_product_next by mu_t once too often (fixed in 2.0, pytorch/pytorch#92699). We implement
     * the published rule; {@link #nadamTrajectoryDiffersFromThePublishedRuleOnlyByPytorch113sProduct}
     * shows that this is the only difference.
     */
    private static final List<String> PYTORCH_113_BUG = List.of("NAdam");

    static Stream<Arguments> pytorchCases() {
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode c : ReferenceData.load("optimizers.json").get("cases")) {
            String name = c.get("optimizer").asText();
            if (!PYTORCH_113_BUG.contains(name)) {
                cases.add(Arguments.of(name + " " + c.get("hyperparameters"), c));
            }
        }
        return cases.stream();
    }

    @Test
    void referenceFileHasFourteenCasesBesidesNadam() {
        assertEquals(14, pytorchCases().count());
    }

    @Test
    void nadamTrajectoryDiffersFromThePublishedRuleOnlyByPytorch113sProduct() {
        JsonNode c = null;
        for (JsonNode each : ReferenceData.load("optimizers.json").get("cases")) {
            if (each.get("optimizer").asText().equals("NAdam")) {
                c = each;
            }
        }
        assertTrue(c != null, "optimizers.json has no NAdam case");
        double[] initial = ReferenceData.vector(c.get("initial"));
        double[] as113 = initial.clone();
        double[] published = initial.clone();
        ReferenceOptimizer pytorch113 = new ReferenceOptimizer(OptimizerKind.NADAM, hyperParameters(c), initial.length)
                .withPytorch113NadamProduct();
        ReferenceOptimizer rule = new ReferenceOptimizer(OptimizerKind.NADAM, hyperParameters(c), initial.length);
        double largestGap = 0;
        for (int step = 0; step < c.get("gradients").size(); step++) {
            double[] g = ReferenceData.vector(c.get("gradients").get(step));
            double[] expected = ReferenceData.vector(c.get("params_after_each_step").get(step));
            pytorch113.step(as113, g);
            rule.step(published, g);
            Close.assertClose("NAdam as PyTorch 1.13, step " + (step + 1), expected, as113, 1e-12, 1e-12);
            for (int i = 0; i < published.length; i++) {
                largestGap = Math.max(largestGap, Math.abs(published[i] - expected[i]));
            }
        }
        // the extra mu_t is visible (about 7e-5 at step 1, lr 0.01), far above float rounding
        assertTrue(largestGap > 1e-5, "the published rule should differ from 1.13's trajectory; gap " + largestGap);
    }

    private static OptimizerKind kindOf(String pytorchName) {
        return switch (pytorchName) {
            case "SGD" -> OptimizerKind.SGD;
            case "Adam" -> OptimizerKind.ADAM;
            case "AdamW" -> OptimizerKind.ADAMW;
            case "RMSprop" -> OptimizerKind.RMSPROP;
            case "Adagrad" -> OptimizerKind.ADAGRAD;
            case "Adamax" -> OptimizerKind.ADAMAX;
            case "NAdam" -> OptimizerKind.NADAM;
            default -> throw new IllegalArgumentException(pytorchName);
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> hyperParameters(JsonNode c) {
        Map<String, Object> pytorch = new ObjectMapper().convertValue(c.get("hyperparameters"), Map.class);
        return ReferenceOptimizer.fromPytorchNames(pytorch);
    }

    /** The double reference reproduces PyTorch's float64 trajectories to rounding: it is a valid spec. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pytorchCases")
    void referenceRuleMatchesPytorch(String name, JsonNode c) {
        OptimizerKind kind = kindOf(c.get("optimizer").asText());
        double[] p = ReferenceData.vector(c.get("initial"));
        ReferenceOptimizer reference = new ReferenceOptimizer(kind, hyperParameters(c), p.length);
        for (int step = 0; step < c.get("gradients").size(); step++) {
            reference.step(p, ReferenceData.vector(c.get("gradients").get(step)));
            Close.assertClose(name + " step " + (step + 1),
                    ReferenceData.vector(c.get("params_after_each_step").get(step)), p, 1e-12, 1e-12);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pytorchCases")
    void nativeRuleMatchesPytorch(String name, JsonNode c) {
        OptimizerKind kind = kindOf(c.get("optimizer").asText());
        float[] initial = Data.toFloat(ReferenceData.vector(c.get("initial")));
        int steps = c.get("gradients").size();
        assertTrue(steps >= 20, "too few steps in the reference: " + steps);
        // OptimizerConfig fills PyTorch's defaults for what the case leaves out (eps, alpha, betas)
        try (NativeRule rule = new NativeRule(kind, hyperParameters(c), initial, 1)) {
            for (int step = 0; step < steps; step++) {
                float[] actual = rule.step(Data.toFloat(ReferenceData.vector(c.get("gradients").get(step))));
                // PyTorch ran in float64 from the same values; we start from and feed float32
                // roundings of them, and compute in float32: drift stays below ~25 ulps of |p| ≤ 2.
                Close.assertClose(name + " step " + (step + 1),
                        ReferenceData.vector(c.get("params_after_each_step").get(step)), Data.toDouble(actual),
                        4e-6, 0);
            }
        }
    }
}
