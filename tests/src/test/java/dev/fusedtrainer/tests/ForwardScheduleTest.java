package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Evaluation;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FORWARD defers each step's update to the next forward pass. Everything that reads the weights
 * in between (predict, evaluate, parameter and state export) must apply it first, exactly once.
 * Each check compares a FORWARD trainer with an UNFUSED one after the same step; the two agree to
 * float32 rounding (ScheduleAgreementTest), while reading stale weights would be off by a whole
 * Adam update (~lr = 1e-2, asserted below to dwarf the tolerance).
 */
class ForwardScheduleTest {
    private static final double TOLERANCE = 1e-6;
    private static final int INPUT = 131;

    private float[] x;
    private int[] y;
    private float[] probe;
    private int[] probeLabels;

    @BeforeEach
    void data() {
        SplittableRandom random = new SplittableRandom(4);
        x = Data.uniform(random, 16 * INPUT, 1);
        y = Data.labels(random, 16, 5);
        probe = Data.uniform(random, 300 * INPUT, 1);  // more than maxBatch: predict and evaluate chunk it
        probeLabels = Data.labels(random, 300, 5);
    }

    private static Trainer trainer(Schedule schedule) {
        return OptimizerModels_AdamTrainer.builder().schedule(schedule).maxBatch(32).seed(8).build();
    }

    /** Runs what on an UNFUSED and a FORWARD trainer after one step, and on an untrained one. */
    private void compareAfterOneStep(String what, Function<Trainer, double[]> read) {
        try (Trainer unfused = trainer(Schedule.UNFUSED);
             Trainer forward = trainer(Schedule.FORWARD);
             Trainer untrained = trainer(Schedule.UNFUSED)) {
            unfused.step(x, y);
            forward.step(x, y);
            double[] expected = read.apply(unfused);
            double[] stale = read.apply(untrained);
            assertTrue(Close.maxAbsDiff(expected, stale) > 100 * TOLERANCE, what + " does not see the update at all");
            Close.assertClose(what + " under FORWARD", expected, read.apply(forward), TOLERANCE, 1e-6);
            // a second read must not apply the pending update again
            Close.assertClose(what + " under FORWARD, read again", expected, read.apply(forward), TOLERANCE, 1e-6);
            Close.assertClose("parameters after " + what, Data.toDouble(unfused.state().exportParameters()),
                    Data.toDouble(forward.state().exportParameters()), TOLERANCE, 1e-6);
        }
    }

    @Test
    void predictAppliesThePendingUpdate() {
        compareAfterOneStep("predict", t -> Data.toDouble(t.predict(probe)));
    }

    @Test
    void predictIntoAnArrayAppliesThePendingUpdate() {
        compareAfterOneStep("predict(inputs, outputs)", t -> {
            float[] out = new float[300 * 5];
            t.predict(probe, out);
            return Data.toDouble(out);
        });
    }

    @Test
    void evaluateAppliesThePendingUpdate() {
        compareAfterOneStep("evaluate", t -> {
            Evaluation e = t.evaluate(probe, probeLabels);
            assertEquals(300, e.samples());
            return new double[] {e.loss() * 1e4, e.accuracy()};  // loss scaled: one update moves it by ~1e-3
        });
    }

    @Test
    void parameterAppliesThePendingUpdate() {
        compareAfterOneStep("parameter(hidden.weight)", t -> Data.toDouble(t.parameter("hidden.weight")));
    }

    @Test
    void parameterExportAppliesThePendingUpdate() {
        compareAfterOneStep("exportParameters", t -> Data.toDouble(t.state().exportParameters()));
    }

    @Test
    void stateExportAppliesThePendingUpdate() {
        // Adam's first moment after one step is (1 - β1)·g ~ 1e-3: scaled so that the tolerance means the same
        compareAfterOneStep("exportStateSlot(0)", t -> {
            double[] m = Data.toDouble(t.state().exportStateSlot(0));
            for (int i = 0; i < m.length; i++) {
                m[i] *= 100;
            }
            return m;
        });
    }

    /** setParameter applies the pending update (to all weights and the state) before overwriting. */
    @Test
    void setParameterAppliesThePendingUpdateFirst() {
        try (Trainer unfused = trainer(Schedule.UNFUSED); Trainer forward = trainer(Schedule.FORWARD)) {
            float[] replacement = Data.uniform(new SplittableRandom(2), 5 * 13, 0.3);
            for (Trainer t : new Trainer[] {unfused, forward}) {
                t.step(x, y);
                t.setParameter("logits.weight", replacement);
                t.step(x, y);
            }
            float tolerance = (float) TOLERANCE;
            assertArrayEquals(unfused.state().exportParameters(), forward.state().exportParameters(), tolerance);
            assertArrayEquals(unfused.state().exportStateSlot(1), forward.state().exportStateSlot(1), tolerance);
        }
    }

    @Test
    void stepsInterleavedWithReadsMatchUnfused() {
        try (Trainer unfused = trainer(Schedule.UNFUSED); Trainer forward = trainer(Schedule.FORWARD)) {
            for (int step = 1; step <= 6; step++) {
                float lu = unfused.step(x, y);
                float lf = forward.step(x, y);
                Close.assertClose("loss at step " + step, lu, lf, 0, 1e-5);
                if (step % 2 == 0) {
                    forward.predict(probe);  // flushes; the next step must not apply this update again
                }
            }
            assertEquals(6, forward.stepCount());
            Close.assertClose("parameters", Data.toDouble(unfused.state().exportParameters()),
                    Data.toDouble(forward.state().exportParameters()), TOLERANCE, 1e-6);
        }
    }

    /**
     * The pending update belongs to the step that produced it: setting the step counter (as a
     * checkpoint restore does) must not renumber it. Adam's bias corrections depend on the
     * number, so an update applied as step 5 instead of step 1 moves the weights differently.
     */
    @Test
    void setStepCountAppliesThePendingUpdateWithItsOwnStepNumber() {
        try (Trainer unfused = trainer(Schedule.UNFUSED); Trainer forward = trainer(Schedule.FORWARD)) {
            for (Trainer t : new Trainer[] {unfused, forward}) {
                t.step(x, y);
                t.state().setStepCount(5);
            }
            Close.assertClose("parameters after setStepCount", Data.toDouble(unfused.state().exportParameters()),
                    Data.toDouble(forward.state().exportParameters()), TOLERANCE, 1e-6);
            unfused.step(x, y);
            forward.step(x, y);
            assertEquals(6, forward.stepCount());
            Close.assertClose("parameters after the next step", Data.toDouble(unfused.state().exportParameters()),
                    Data.toDouble(forward.state().exportParameters()), TOLERANCE, 1e-6);
        }
    }

    @Test
    void closeWithAPendingUpdateIsSafe() {
        Trainer forward = trainer(Schedule.FORWARD);
        forward.step(x, y);
        forward.close();
        forward.close();
    }
}
