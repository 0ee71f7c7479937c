package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.TrainerState;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.OptimizerModelCases;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training state moved between trainers (and schedules) continues the same run: parameters, every
 * optimizer state slot and the step counter (which drives Adam's bias correction, SGD's first
 * momentum step and Adagrad's lr decay) are all carried.
 */
class CheckpointTest {
    private static final double TOLERANCE = 1e-6;  // a few steps: schedules agree to float32 rounding

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void restoredTrainerContinuesTheRun(Schedule restoreInto) {
        SplittableRandom random = new SplittableRandom(21);
        float[] x = Data.uniform(random, 8 * 131, 1);
        int[] y = Data.labels(random, 8, 5);
        var perLayer = OptimizerModelCases.PER_LAYER.factory();
        try (Trainer original = perLayer.build(Schedule.FORWARD, 1, 8, 1);
             Trainer restored = perLayer.build(restoreInto, 1, 8, 2)) {
            for (int i = 0; i < 3; i++) {
                original.step(x, y);
            }
            TrainerState from = original.state();
            TrainerState to = restored.state();
            assertEquals(from.layoutFingerprint(), to.layoutFingerprint());
            to.importParameters(from.exportParameters());
            for (int slot = 0; slot < from.stateSlots(); slot++) {
                if (from.hasStateSlot(slot)) {
                    to.importStateSlot(slot, from.exportStateSlot(slot));
                }
            }
            to.setStepCount(from.stepCount());
            assertTrue(Close.maxAbsDiff(from.exportParameters(), to.exportParameters()) == 0);
            for (int i = 0; i < 3; i++) {
                Close.assertClose("loss after restore, step " + (4 + i), original.step(x, y), restored.step(x, y),
                        0, 1e-5);
            }
            assertEquals(6, restored.stepCount());
            Close.assertClose("parameters", Data.toDouble(original.state().exportParameters()),
                    Data.toDouble(restored.state().exportParameters()), TOLERANCE, 1e-6);
        }
    }
}
