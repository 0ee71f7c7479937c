package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Evaluation;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** predict and evaluate over more samples than maxBatch (so they run in chunks), against the reference. */
class PredictAndEvaluateTest {

    static Stream<GradientTest.Case> cases() {
        return Stream.of(GradientTest.GELU, GradientTest.SOFTMAX_CE, GradientTest.BCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void chunkedPredictAndEvaluateMatchTheReference(GradientTest.Case c) {
        ReferenceMlp mlp = c.mlp();
        int samples = 45;  // maxBatch 16: chunks of 16, 16 and 13
        SplittableRandom random = new SplittableRandom(12);
        float[] x = Data.uniform(random, samples * mlp.inputSize(), 1.5);
        int[] labels = Data.labels(random, samples, mlp.outputSize());
        float[] targets = new float[samples * mlp.outputSize()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = mlp.loss() == Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS
                    ? random.nextInt(2) : (float) random.nextDouble();
        }
        try (Trainer trainer = c.factory().build(Schedule.BACKWARD, 1, 16, 6)) {
            double[][] params = GradientProbe.parametersByLayer(trainer);
            ReferenceMlp.Result expected = mlp.run(params, Data.toDouble(x), samples, labels, Data.toDouble(targets));

            // float32 forward pass: relative error ~1e-6 of outputs of size ~1
            Close.assertClose(c + " predict", expected.outputs(), Data.toDouble(trainer.predict(x)), 1e-5, 1e-5);
            Evaluation evaluation = mlp.loss() == Loss.SOFTMAX_CROSS_ENTROPY
                    ? trainer.evaluate(x, labels) : trainer.evaluate(x, targets);
            assertEquals(samples, evaluation.samples());
            Close.assertClose(c + " evaluate loss", expected.loss(), evaluation.loss(), 0, 1e-5);
            double[] out = expected.outputs();
            int width = mlp.outputSize();
            switch (mlp.loss()) {
                case SOFTMAX_CROSS_ENTROPY -> {
                    int hits = 0;
                    for (int s = 0; s < samples; s++) {
                        int arg = 0;
                        for (int k = 1; k < width; k++) {
                            arg = out[s * width + k] > out[s * width + arg] ? k : arg;
                        }
                        hits += arg == labels[s] ? 1 : 0;
                    }
                    assertEquals((double) hits / samples, evaluation.accuracy(), 1e-12);
                }
                case BINARY_CROSS_ENTROPY_WITH_LOGITS -> {
                    int hits = 0;
                    for (int i = 0; i < out.length; i++) {
                        hits += (out[i] > 0) == (targets[i] > 0.5f) ? 1 : 0;
                    }
                    assertEquals((double) hits / out.length, evaluation.accuracy(), 1e-12);
                }
                case MEAN_SQUARED_ERROR -> assertEquals(Double.NaN, evaluation.accuracy());
            }
            assertEquals(0, trainer.stepCount(), "evaluate must not train");
        }
    }
}
