package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.ConvModels_MixedAdamTrainer;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Conv;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Flatten;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Pool;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A convolutional model trained for 25 steps (Adam on two layers, SGD with momentum on a convolution) under
 * every schedule, against the same run in double precision: the reference network and the published update
 * rules, independent of the native code. Then the schedules against each other, and the CUDA refusal.
 */
class ConvTrainingTest {
    private static final int STEPS = 25;
    private static final int BATCH = 6;

    private static final ReferenceCnn CNN = new ReferenceCnn(new int[] {2, 7, 7}, Loss.SOFTMAX_CROSS_ENTROPY,
            new Conv(3, 3, 1, 1, Activation.TANH), new Pool(true, 2, 2, 0), new Conv(4, 2, 1, 0, Activation.RELU),
            new Pool(false, 2, 1, 0), new Flatten(), new Dense(5, Activation.IDENTITY));
    private static final TrainerFactory FACTORY = TrainerFactory.of(ConvModels_MixedAdamTrainer.class);

    /**
     * float32 against double over 25 updates: Adam's step is ~lr per parameter whatever the gradient's
     * size, so rounding in small gradients moves parameters by up to ~1e-6 (measured: 8e-7, first layer);
     * a skipped or repeated update moves them by ~lr = 1e-2.
     */
    private static final double ATOL = 2e-5;

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void twentyFiveStepsMatchTheDoublePrecisionReference(Schedule schedule) {
        double[][] reference = referenceRun();
        try (Trainer trainer = FACTORY.build(schedule, 2, BATCH, 1)) {
            train(trainer);
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < reference.length; l++) {
                Close.assertClose(schedule + " layer " + l, reference[l], actual[l], ATOL, 0);
            }
        }
    }

    @Test
    void schedulesAgreeWithEachOther() {
        double[][] unfused;
        try (Trainer trainer = FACTORY.build(Schedule.UNFUSED, 1, BATCH, 1)) {
            train(trainer);
            unfused = GradientProbe.parametersByLayer(trainer);
        }
        for (Schedule schedule : new Schedule[] {Schedule.BACKWARD, Schedule.FORWARD}) {
            try (Trainer trainer = FACTORY.build(schedule, 1, BATCH, 1)) {
                train(trainer);
                double[][] other = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < unfused.length; l++) {
                    Close.assertClose(schedule + " against UNFUSED, layer " + l, unfused[l], other[l], 1e-6, 0);
                }
            }
        }
    }

    @Test
    void cudaRefusesConvolutionalModelsWithTheReason() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainerFactory.build(ConvModels_MixedAdamTrainer.class, Device.cuda(0), Schedule.FORWARD, 1, 8, 1));
        assertTrue(e.getMessage().contains("conv1") && e.getMessage().contains("Device.cpu()"), e.getMessage());
    }

    /** Sets the reference's initial weights, then STEPS steps on the data stream. */
    private static void train(Trainer trainer) {
        GradientProbe.setParametersByLayer(trainer, initialParameters());
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            trainer.step(Data.uniform(data, BATCH * CNN.inputSize(), 1.0), Data.labels(data, BATCH, CNN.outputSize()));
        }
    }

    private static double[][] referenceRun() {
        double[][] params = initialParameters();
        Map<String, Double> adam = Map.of("lr", 0.01);
        ReferenceOptimizer[] rules = {
            new ReferenceOptimizer(OptimizerKind.ADAM, adam, params[0].length),
            new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.05, "momentum", 0.9), params[1].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, adam, params[2].length)};
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            float[] x = Data.uniform(data, BATCH * CNN.inputSize(), 1.0);
            int[] labels = Data.labels(data, BATCH, CNN.outputSize());
            double[][] g = CNN.run(params, Data.toDouble(x), BATCH, labels, null).gradients();
            for (int l = 0; l < params.length; l++) {
                rules[l].step(params[l], g[l]);
            }
        }
        return params;
    }

    private static double[][] initialParameters() {
        return ConvGradientTest.randomParameters(CNN, new SplittableRandom(3));
    }
}
