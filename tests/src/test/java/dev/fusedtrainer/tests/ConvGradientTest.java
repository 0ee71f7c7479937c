package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.ConvModels_FlattenFirstTrainer;
import dev.fusedtrainer.tests.models.ConvModels_MixedTrainer;
import dev.fusedtrainer.tests.models.ConvModels_OverlappingTrainer;
import dev.fusedtrainer.tests.models.ConvModels_PointwiseTrainer;
import dev.fusedtrainer.tests.models.ConvModels_PoolFirstTrainer;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Conv;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Flatten;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Pool;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native convolution, pooling and flatten kernels' gradients (every parameter of every layer, so the
 * input gradients that reach the first layer are checked too) and loss, under every schedule, batch 1 and
 * 5, one and two threads (the per-thread partial gradients), against the double-precision reference
 * (itself checked against finite differences).
 */
class ConvGradientTest {

    record Case(String name, ReferenceCnn cnn, TrainerFactory factory) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Case MIXED = new Case("conv pad 1 tanh, max pool, conv relu, avg pool stride 1, MSE",
            new ReferenceCnn(new int[] {2, 7, 7}, Loss.MEAN_SQUARED_ERROR, new Conv(3, 3, 1, 1, Activation.TANH),
                    new Pool(true, 2, 2, 0), new Conv(4, 2, 1, 0, Activation.RELU), new Pool(false, 2, 1, 0),
                    new Flatten(), new Dense(5, Activation.IDENTITY)),
            TrainerFactory.of(ConvModels_MixedTrainer.class));
    static final Case OVERLAPPING = new Case("conv stride 2 pad 1, overlapping padded max pool, softmax",
            new ReferenceCnn(new int[] {1, 8, 8}, Loss.SOFTMAX_CROSS_ENTROPY, new Conv(4, 3, 2, 1, Activation.RELU),
                    new Pool(true, 2, 1, 1), new Flatten(), new Dense(6, Activation.IDENTITY)),
            TrainerFactory.of(ConvModels_OverlappingTrainer.class));
    static final Case POINTWISE = new Case("1x1 conv (no im2col), avg pool",
            new ReferenceCnn(new int[] {3, 4, 4}, Loss.MEAN_SQUARED_ERROR, new Conv(2, 1, 1, 0, Activation.IDENTITY),
                    new Pool(false, 2, 2, 0), new Flatten(), new Dense(3, Activation.IDENTITY)),
            TrainerFactory.of(ConvModels_PointwiseTrainer.class));
    static final Case POOL_FIRST = new Case("max pool first, conv tanh",
            new ReferenceCnn(new int[] {1, 6, 6}, Loss.MEAN_SQUARED_ERROR, new Pool(true, 2, 2, 0),
                    new Conv(2, 2, 1, 0, Activation.TANH), new Flatten(), new Dense(3, Activation.IDENTITY)),
            TrainerFactory.of(ConvModels_PoolFirstTrainer.class));
    static final Case FLATTEN_FIRST = new Case("flatten first",
            new ReferenceCnn(new int[] {2, 3, 3}, Loss.MEAN_SQUARED_ERROR, new Flatten(),
                    new Dense(4, Activation.TANH), new Dense(3, Activation.IDENTITY)),
            TrainerFactory.of(ConvModels_FlattenFirstTrainer.class));

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Case c : new Case[] {MIXED, OVERLAPPING, POINTWISE, POOL_FIRST, FLATTEN_FIRST}) {
            for (Schedule schedule : Schedule.values()) {
                all.add(Arguments.of(c, schedule, 1, 1));
                all.add(Arguments.of(c, schedule, 5, 1));
                all.add(Arguments.of(c, schedule, 5, 2));
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}, {3} thread(s)")
    @MethodSource("cases")
    void nativeGradientAndLossMatchTheReference(Case c, Schedule schedule, int batch, int threads) {
        assertOneStepMatches(c.name(), c.cnn(), c.factory(), schedule, batch, threads,
                new SplittableRandom(17L * c.name().hashCode() + 31L * batch + threads));
    }

    /**
     * One step of the trainer from random parameters and data, read through SGD with lr = 1: its loss and every
     * layer's gradient against the reference's.
     */
    static void assertOneStepMatches(String name, ReferenceCnn cnn, TrainerFactory factory, Schedule schedule,
                                     int batch, int threads, SplittableRandom random) {
        double[][] before = randomParameters(cnn, random);
        float[] x = Data.uniform(random, batch * cnn.inputSize(), 1.5);
        int[] labels = Data.labels(random, batch, cnn.outputSize());
        float[] targets = Data.uniform(random, batch * cnn.outputSize(), 0.9);

        try (Trainer trainer = factory.build(schedule, threads, Math.max(batch, 8), 1)) {
            assertEquals(cnn.inputSize(), trainer.inputSize());
            assertEquals(cnn.outputSize(), trainer.outputSize());
            GradientProbe.setParametersByLayer(trainer, before);
            boolean labelled = trainer.loss() == Loss.SOFTMAX_CROSS_ENTROPY;
            float loss = labelled ? trainer.step(x, labels) : trainer.step(x, targets);
            double[][] gradient = GradientProbe.difference(before, GradientProbe.parametersByLayer(trainer));

            ReferenceCnn.Result expected = cnn.run(before, Data.toDouble(x), batch, labels, Data.toDouble(targets));
            Close.assertClose(name + " loss", expected.loss(), loss, 0, 1e-5);
            assertEquals(expected.gradients().length, gradient.length, "layers with parameters");
            for (int l = 0; l < gradient.length; l++) {
                GradientProbe.assertGradient(name + ", " + schedule + ", layer " + l, expected.gradients()[l],
                        gradient[l], before[l]);
            }
        }
    }

    /** Float-representable parameters, ±1.5/√fanIn per layer (wider than PyTorch's init). */
    static double[][] randomParameters(ReferenceCnn cnn, SplittableRandom random) {
        int[] counts = cnn.parameterCounts();
        int[] fans = cnn.fanIns();
        double[][] layers = new double[counts.length][];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = Data.toDouble(Data.uniform(random, counts[l], 1.5 / Math.sqrt(fans[l])));
        }
        return layers;
    }
}
