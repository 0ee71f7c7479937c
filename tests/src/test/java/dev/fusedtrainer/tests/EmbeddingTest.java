package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.ParameterInfo;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.EmbeddingModels_AccumulatedTrainer;
import dev.fusedtrainer.tests.models.EmbeddingModels_LazyTrainer;
import dev.fusedtrainer.tests.models.EmbeddingModels_ProbeTrainer;
import dev.fusedtrainer.tests.reference.ReferenceClipping;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Embedding;
import dev.fusedtrainer.tests.reference.ReferenceCnn.LayerNorm;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Embedding tables against the double-precision reference: the gradient (summed over repeated ids) under every
 * schedule; 25 sparse Adam steps with weight decay and global-norm clipping against the published rule applied to
 * the looked-up rows only (PyTorch's SparseAdam semantics), the other rows and their state untouched; the id checks
 * and the refusals.
 */
class EmbeddingTest {
    private static final int FIELDS = 3;
    private static final int VOCABULARY = 10;

    /** Ids with repeats inside a sample and across the batch, and rows no sample uses (7, 8, 9 never drawn). */
    private static float[] ids(SplittableRandom random, int batch) {
        float[] x = new float[batch * FIELDS];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(7);
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void gradientSumsOverRepeatedIdsUnderEverySchedule(Schedule schedule) {
        ReferenceCnn cnn = new ReferenceCnn(new int[] {FIELDS}, Loss.SOFTMAX_CROSS_ENTROPY,
                new Embedding(VOCABULARY, 4), new Dense(5, Activation.TANH), new Dense(3, Activation.IDENTITY));
        for (int threads = 1; threads <= 2; threads++) {
            SplittableRandom random = new SplittableRandom(40 + threads);
            double[][] before = ConvGradientTest.randomParameters(cnn, random);
            int batch = 6;
            float[] x = ids(random, batch);
            int[] labels = Data.labels(random, batch, 3);
            try (Trainer trainer = TrainerFactory.of(EmbeddingModels_ProbeTrainer.class).build(schedule, threads, 8, 1)) {
                GradientProbe.setParametersByLayer(trainer, before);
                float loss = trainer.step(x, labels);
                double[][] gradient = GradientProbe.difference(before, GradientProbe.parametersByLayer(trainer));
                ReferenceCnn.Result expected = cnn.run(before, Data.toDouble(x), batch, labels, null);
                Close.assertClose(schedule + " loss", expected.loss(), loss, 0, 1e-5);
                for (int l = 0; l < gradient.length; l++) {
                    GradientProbe.assertGradient(schedule + ", layer " + l, expected.gradients()[l], gradient[l],
                            before[l]);
                }
                for (int i = 7 * 4; i < VOCABULARY * 4; i++) {
                    assertEquals(before[0][i], GradientProbe.parametersByLayer(trainer)[0][i], 0, "row never looked up");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})  // global-norm clipping: BACKWARD refuses it
    void twentyFiveSparseAdamStepsMatchThePublishedRuleOnTheLookedUpRows(Schedule schedule) {
        ReferenceCnn cnn = new ReferenceCnn(new int[] {FIELDS}, Loss.SOFTMAX_CROSS_ENTROPY,
                new Embedding(VOCABULARY, 4), new LayerNorm(1e-5, Activation.IDENTITY), new Dense(5, Activation.RELU),
                new Dense(3, Activation.IDENTITY));
        double[][] params = ConvGradientTest.randomParameters(cnn, new SplittableRandom(3));
        ReferenceOptimizer[] rules = {
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.05, "weightDecay", 0.01), params[0].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), params[1].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), params[2].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), params[3].length)};
        int batch = 4;
        boolean[] everTouched = new boolean[params[0].length];
        try (Trainer trainer = TrainerFactory.of(EmbeddingModels_LazyTrainer.class).build(schedule, 2, batch, 1)) {
            GradientProbe.setParametersByLayer(trainer, params);
            double[] neverUsed = Data.slice(params[0], 9 * 4, 10 * 4);
            SplittableRandom data = new SplittableRandom(5);
            for (int step = 0; step < 25; step++) {
                float[] x = new float[batch * FIELDS];
                for (int i = 0; i < x.length; i++) {
                    x[i] = data.nextInt(9);  // row 9 is never looked up
                }
                int[] labels = Data.labels(data, batch, 3);
                trainer.step(x, labels);
                double[][] g = cnn.run(params, Data.toDouble(x), batch, labels, null).gradients();
                ReferenceClipping.clipGradNorm(g, 0.5);
                boolean[] touched = new boolean[params[0].length];
                for (float id : x) {
                    for (int d = 0; d < 4; d++) {
                        touched[(int) id * 4 + d] = true;
                        everTouched[(int) id * 4 + d] = true;
                    }
                }
                rules[0].step(params[0], g[0], touched);
                for (int l = 1; l < params.length; l++) {
                    rules[l].step(params[l], g[l]);
                }
            }
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < params.length; l++) {
                Close.assertClose(schedule + " layer " + l, params[l], actual[l], 2e-5, 0);
            }
            assertArrayEquals(neverUsed, Data.slice(actual[0], 9 * 4, 10 * 4), 0, "row 9 is never updated");
            assertTrue(everTouched[8 * 4], "the data reached row 8");
        }
    }

    /**
     * Accumulation over 3 micro-batches of 2 samples: each update is the published rule on the cycle's mean gradient,
     * applied to the rows any micro-batch of the cycle looked up (their union), the others untouched.
     */
    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})  // accumulation: BACKWARD refuses it
    void accumulationUpdatesTheRowsOfTheWholeCycle(Schedule schedule) {
        ReferenceCnn cnn = new ReferenceCnn(new int[] {FIELDS}, Loss.SOFTMAX_CROSS_ENTROPY,
                new Embedding(VOCABULARY, 4), new Dense(5, Activation.RELU), new Dense(3, Activation.IDENTITY));
        double[][] params = ConvGradientTest.randomParameters(cnn, new SplittableRandom(6));
        ReferenceOptimizer[] rules = {
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.05, "weightDecay", 0.01), params[0].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), params[1].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), params[2].length)};
        int batch = 2;
        try (Trainer trainer = TrainerFactory.of(EmbeddingModels_AccumulatedTrainer.class).build(schedule, 1, batch, 1)) {
            GradientProbe.setParametersByLayer(trainer, params);
            SplittableRandom data = new SplittableRandom(9);
            for (int cycle = 0; cycle < 8; cycle++) {
                double[][] mean = new double[params.length][];
                boolean[] touched = new boolean[params[0].length];
                for (int micro = 0; micro < 3; micro++) {
                    float[] x = new float[batch * FIELDS];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = data.nextInt(9);  // 6 ids per micro-batch: each cycle leaves rows out
                    }
                    int[] labels = Data.labels(data, batch, 3);
                    trainer.step(x, labels);
                    double[][] g = cnn.run(params, Data.toDouble(x), batch, labels, null).gradients();
                    for (int l = 0; l < params.length; l++) {
                        mean[l] = mean[l] == null ? new double[g[l].length] : mean[l];
                        for (int i = 0; i < g[l].length; i++) {
                            mean[l][i] += g[l][i] / 3;
                        }
                    }
                    for (float id : x) {
                        java.util.Arrays.fill(touched, (int) id * 4, (int) id * 4 + 4, true);
                    }
                }
                rules[0].step(params[0], mean[0], touched);
                for (int l = 1; l < params.length; l++) {
                    rules[l].step(params[l], mean[l]);
                }
            }
            assertEquals(8, trainer.stepCount());
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < params.length; l++) {
                Close.assertClose(schedule + " layer " + l, params[l], actual[l], 2e-5, 0);
            }
        }
    }

    @Test
    void theTableIsOneWeightWithoutBiasInitialisedLikePytorch() {
        try (Trainer trainer = EmbeddingModels_ProbeTrainer.builder().seed(11).build()) {
            List<ParameterInfo> tensors = trainer.parameters();
            assertEquals(new ParameterInfo("fields.weight", VOCABULARY, 4), tensors.get(0));
            assertEquals("hidden.weight", tensors.get(1).name(), "no fields.bias");
            float[] table = trainer.parameter("fields.weight");
            double mean = 0;
            double square = 0;
            for (float v : table) {
                mean += v / table.length;
                square += (double) v * v / table.length;
            }
            assertTrue(Math.abs(mean) < 0.5 && square > 0.4 && square < 2.0, "N(0, 1): mean " + mean + ", E[x²] " + square);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.parameter("fields.bias"));
            assertTrue(e.getMessage().contains("fields.weight"), e.getMessage());
        }
    }

    @Test
    void idsOutsideTheTableOrNotIntegersAreRefusedNamingTheSampleAndField() {
        try (Trainer trainer = EmbeddingModels_ProbeTrainer.builder().build()) {
            float[] before = trainer.parameter("fields.weight");
            for (float bad : new float[] {10, -1, 2.5f, Float.NaN}) {
                float[] x = {0, 1, 2, 3, bad, 5};
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> trainer.step(x, new int[] {0, 1}));
                assertTrue(e.getMessage().contains("inputs[4]") && e.getMessage().contains("sample 1, field 1")
                        && e.getMessage().contains("[0, 10)"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> trainer.predict(x));
            }
            assertEquals(0, trainer.stepCount());
            assertArrayEquals(before, trainer.parameter("fields.weight"));
        }
    }

    @Test
    void shardedDataParallelAndCudaAreRefusedWithTheReason() {
        // data-parallel in all-reduce mode is supported (dist/MpiDataParallelTest); ZeRO-1 is not
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> EmbeddingModels_ProbeTrainer.builder().communicator(Communicator.local())
                        .shardOptimizerState(true).build());
        assertTrue(e.getMessage().contains("fields") && e.getMessage().contains(".shardOptimizerState(false)"),
                e.getMessage());
        e = assertThrows(UnsupportedOperationException.class,
                () -> TrainerFactory.build(EmbeddingModels_ProbeTrainer.class, Device.cuda(0), Schedule.FORWARD, 1, 8, 1));
        assertTrue(e.getMessage().contains("fields") && e.getMessage().contains("Device.cpu()"), e.getMessage());
    }
}
