package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.OptimizerModelCases;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A per-layer @Optimizer override takes effect: each layer of OptimizerModels.PerLayer follows its
 * own rule, end to end against the double-precision network and the published rules.
 */
class PerLayerOptimizerTest {
    private static final ReferenceMlp NETWORK = new ReferenceMlp(131, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(13, Activation.TANH), dense(9, Activation.RELU), dense(8, Activation.GELU),
            dense(7, Activation.SIGMOID), dense(5, Activation.IDENTITY));

    /** What the annotations of OptimizerModels.PerLayer say, written out independently. */
    private static ReferenceOptimizer[] rules() {
        return new ReferenceOptimizer[] {
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), NETWORK.parameterCount(0)),
            new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), NETWORK.parameterCount(1)),
            new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.05, "momentum", 0.9, "nesterov", 1.0),
                    NETWORK.parameterCount(2)),
            new ReferenceOptimizer(OptimizerKind.RMSPROP, Map.of("lr", 0.01, "momentum", 0.3, "centered", 1.0),
                    NETWORK.parameterCount(3)),
            new ReferenceOptimizer(OptimizerKind.ADAGRAD, Map.of("lr", 0.05, "initialAccumulatorValue", 0.1),
                    NETWORK.parameterCount(4)),
        };
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void everyLayerFollowsItsOwnRule(Schedule schedule) {
        int batch = 8;
        SplittableRandom random = new SplittableRandom(23);
        try (Trainer trainer = OptimizerModelCases.PER_LAYER.factory().build(schedule, 1, batch, 9)) {
            double[][] expected = GradientProbe.parametersByLayer(trainer);
            ReferenceOptimizer[] rules = rules();
            for (int step = 1; step <= 5; step++) {
                float[] x = Data.uniform(random, batch * 131, 1);
                int[] y = Data.labels(random, batch, 5);
                ReferenceMlp.Result result = NETWORK.run(expected, Data.toDouble(x), batch, y, null);
                for (int l = 0; l < rules.length; l++) {
                    rules[l].step(expected[l], result.gradients()[l]);
                }
                trainer.step(x, y);
                double[][] actual = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < rules.length; l++) {
                    // float32 gradients (relative error ~1e-6) through five updates of size ≤ lr:
                    // far below 1e-5, while another layer's rule moves a weight by ~lr = 1e-2
                    Close.assertClose(schedule + " layer " + l + " after step " + step, expected[l], actual[l],
                            1e-5, 0);
                }
            }
        }
    }

    /** Adam's first moment and Adagrad's accumulator share slot 0: each layer starts from its own value. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void sharedStateSlotStartsAtEachLayersInitialValue(Schedule schedule) {
        try (Trainer trainer = OptimizerModelCases.PER_LAYER.factory().build(schedule, 1, 8, 9)) {
            float[] slot0 = trainer.state().exportStateSlot(0);
            int lastLayer = NETWORK.parameterCount(4);
            float[] adagrad = Arrays.copyOfRange(slot0, slot0.length - lastLayer, slot0.length);
            float[] others = Arrays.copyOfRange(slot0, 0, slot0.length - lastLayer);
            float[] tenths = new float[lastLayer];
            Arrays.fill(tenths, 0.1f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(tenths, adagrad);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[others.length], others);
        }
    }
}
