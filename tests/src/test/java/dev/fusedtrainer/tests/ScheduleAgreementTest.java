package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.OptimizerModelCases;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * UNFUSED, BACKWARD and FORWARD are one training run computed in three orders: for every update
 * rule, on the same data from the same seed, they must agree. The shapes (OptimizerModels) and
 * the batches (1, 8 and 97 > 64, with 1 and 2 threads) hit the fused kernel's tails, its column
 * blocking and its thread split.
 */
class ScheduleAgreementTest {
    private static final int INPUT = 131;
    private static final int CLASSES = 5;
    private static final int SAMPLES = 256;

    /**
     * One step: the schedules differ only in the order of float32 sums (OpenBLAS against the fused
     * tiles) and in how the compiler contracts the rule into FMAs, a few ulps of a parameter of
     * size ≲ 1 (measured: 0 to 3e-8).
     */
    private static final double ONE_STEP_ATOL = 2e-7;
    private static final double ONE_STEP_RTOL = 1e-6;

    /**
     * 50 steps: those rounding differences feed back through the run (measured ≤ 3e-7 over all
     * rules and shapes here). 1e-5 leaves a 30× margin, yet the test below shows that a
     * trajectory one update off (the state after 49 rather than 50 steps: an update skipped, or
     * a FORWARD update never flushed) is at least 100× further away.
     */
    private static final double FIFTY_STEPS_ATOL = 1e-5;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (OptimizerModelCases.Case c : OptimizerModelCases.all()) {
            all.add(Arguments.of(c, 1, 1));
            all.add(Arguments.of(c, 8, 2));
            all.add(Arguments.of(c, 97, 1));
            all.add(Arguments.of(c, 97, 2));
        }
        return all.build();
    }

    /** The same stream of batches for every trainer. */
    private static final class Batches {
        final float[] x;
        final int[] y;
        final SplittableRandom order;
        final int batch;

        Batches(int batch) {
            SplittableRandom data = new SplittableRandom(11);
            x = Data.uniform(data, SAMPLES * INPUT, 1);
            y = Data.labels(data, SAMPLES, CLASSES);
            order = new SplittableRandom(batch);
            this.batch = batch;
        }

        /** Steps every trainer on the next batch; returns their losses. */
        float[] stepAll(Trainer... trainers) {
            int first = order.nextInt(SAMPLES - batch + 1);
            float[] bx = Arrays.copyOfRange(x, first * INPUT, (first + batch) * INPUT);
            int[] by = Arrays.copyOfRange(y, first, first + batch);
            float[] losses = new float[trainers.length];
            for (int i = 0; i < trainers.length; i++) {
                losses[i] = trainers[i].step(bx, by);
            }
            return losses;
        }
    }

    @ParameterizedTest(name = "{0}, batch {1}, {2} thread(s)")
    @MethodSource("cases")
    void schedulesAgreeAfterOneStep(OptimizerModelCases.Case c, int batch, int threads) {
        try (Trainer unfused = c.factory().build(Schedule.UNFUSED, threads, 128, 3);
             Trainer backward = c.factory().build(Schedule.BACKWARD, threads, 128, 3);
             Trainer forward = c.factory().build(Schedule.FORWARD, threads, 128, 3)) {
            float[] before = unfused.state().exportParameters();
            float[] losses = new Batches(batch).stepAll(unfused, backward, forward);
            assertEquals(losses[0], losses[1], 0f, "the loss is computed before any update");
            assertEquals(losses[0], losses[2], 0f, "the loss is computed before any update");
            double[] expected = Data.toDouble(unfused.state().exportParameters());
            assertTrue(Close.maxAbsDiff(expected, Data.toDouble(before)) > 100 * ONE_STEP_ATOL,
                    "the step moved nothing");
            Close.assertClose(c + " BACKWARD", expected, Data.toDouble(backward.state().exportParameters()),
                    ONE_STEP_ATOL, ONE_STEP_RTOL);
            Close.assertClose(c + " FORWARD", expected, Data.toDouble(forward.state().exportParameters()),
                    ONE_STEP_ATOL, ONE_STEP_RTOL);
        }
    }

    @ParameterizedTest(name = "{0}, batch {1}, {2} thread(s)")
    @MethodSource("cases")
    void schedulesAgreeAfter50StepsFarCloserThanOneUpdate(OptimizerModelCases.Case c, int batch, int threads) {
        try (Trainer unfused = c.factory().build(Schedule.UNFUSED, threads, 128, 3);
             Trainer backward = c.factory().build(Schedule.BACKWARD, threads, 128, 3);
             Trainer forward = c.factory().build(Schedule.FORWARD, threads, 128, 3)) {
            Batches batches = new Batches(batch);
            double[] after49 = null;
            for (int step = 1; step <= 50; step++) {
                if (step == 50) {
                    after49 = Data.toDouble(unfused.state().exportParameters());  // no side effect under UNFUSED
                }
                float[] losses = batches.stepAll(unfused, backward, forward);
                // the losses see the same weights: drift of ≤ 1e-5 in them moves a loss of ~1.6 by far less than 1e-4
                Close.assertClose(c + " BACKWARD loss at step " + step, losses[0], losses[1], 0, 1e-4);
                Close.assertClose(c + " FORWARD loss at step " + step, losses[0], losses[2], 0, 1e-4);
            }
            double[] expected = Data.toDouble(unfused.state().exportParameters());
            double offByOne = Close.maxAbsDiff(expected, after49);
            assertTrue(offByOne > 100 * FIFTY_STEPS_ATOL, c + ": one update moves the parameters by only " + offByOne
                    + ", too little for the tolerance " + FIFTY_STEPS_ATOL + " to tell the schedules' orders apart");

            for (Trainer fused : new Trainer[] {backward, forward}) {
                assertEquals(50, fused.stepCount());
                Close.assertClose(c + " " + fused.schedule() + " parameters", expected,
                        Data.toDouble(fused.state().exportParameters()), FIFTY_STEPS_ATOL, 0);
                for (int slot = 0; slot < unfused.state().stateSlots(); slot++) {
                    assertEquals(unfused.state().hasStateSlot(slot), fused.state().hasStateSlot(slot));
                    if (unfused.state().hasStateSlot(slot)) {
                        // moments and accumulators are of the size of gradients (≲ 1) or their squares
                        Close.assertClose(c + " " + fused.schedule() + " state slot " + slot,
                                Data.toDouble(unfused.state().exportStateSlot(slot)),
                                Data.toDouble(fused.state().exportStateSlot(slot)), FIFTY_STEPS_ATOL, 1e-4);
                    }
                }
            }
        }
    }
}
