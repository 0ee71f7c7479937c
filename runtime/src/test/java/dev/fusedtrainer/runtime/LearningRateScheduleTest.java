package dev.fusedtrainer.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The schedule's own rules and checks; its factors against PyTorch's schedulers, and training under it, are in
 * the tests module ({@code LrScheduleTrainingTest}).
 */
class LearningRateScheduleTest {

    @Test
    void cosineHoldsItsMinimumAfterTheDecay() {
        LearningRateSchedule s = LearningRateSchedule.cosine(10, 0.2);
        assertEquals(1.0, s.factor(0));
        assertEquals(0.6, s.factor(5), 1e-15);  // half way: the mean of 1 and 0.2
        for (long t = 10; t < 50; t++) {
            assertEquals(0.2, s.factor(t), 1e-15, "update " + t);
        }
        for (long t = 1; t < 12; t++) {
            assertTrue(s.factor(t) <= s.factor(t - 1), "non-increasing at " + t);
        }
    }

    @Test
    void theWarmupRisesByEqualStepsThenTheScheduleStartsAtOne() {
        LearningRateSchedule s = LearningRateSchedule.exponential(0.5).withWarmup(4, 0.2);
        double[] expected = {0.2, 0.4, 0.6, 0.8, 1.0, 0.5, 0.25};
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], s.factor(t), 1e-15, "update " + t);
        }
        assertEquals(LearningRateSchedule.exponential(0.5), s.withWarmup(0, 0.7), "0 steps removes the warm-up");
    }

    @Test
    void theTextFormRoundTrips() {
        List<LearningRateSchedule> all = List.of(LearningRateSchedule.constant(),
                LearningRateSchedule.constant().withWarmup(100, 0.01), LearningRateSchedule.step(30, 0.1),
                LearningRateSchedule.exponential(0.999).withWarmup(7, 1.0 / 3), LearningRateSchedule.cosine(9000, 0));
        for (LearningRateSchedule s : all) {
            LearningRateSchedule back = LearningRateSchedule.parse(s.encode());
            assertEquals(s, back, s.encode());
            for (long t = 0; t < 200; t += 13) {
                assertEquals(s.factor(t), back.factor(t), 0, s + " at " + t);
            }
        }
        assertEquals("COSINE decaySteps=9000 minFactor=0.0 warmupSteps=500 warmupStartFactor=0.01",
                LearningRateSchedule.cosine(9000, 0).withWarmup(500, 0.01).encode());
    }

    @Test
    void badArgumentsNameTheValue() {
        assertMessage(() -> LearningRateSchedule.step(0, 0.5), "stepSize must be >= 1, got 0");
        assertMessage(() -> LearningRateSchedule.exponential(1.5), "gamma must be in (0, 1], got 1.5");
        assertMessage(() -> LearningRateSchedule.cosine(10, -0.1), "minFactor must be in [0, 1], got -0.1");
        assertMessage(() -> LearningRateSchedule.constant().withWarmup(-1, 0.5), "warm-up steps must be >= 0, got -1");
        assertMessage(() -> LearningRateSchedule.constant().withWarmup(5, 0), "start factor must be in (0, 1], got 0.0");
        assertMessage(() -> LearningRateSchedule.parse("LINEAR gamma=0.5"), "unknown learning-rate schedule 'LINEAR'");
        assertMessage(() -> LearningRateSchedule.parse("STEP stepSize=3 gamma=0.5 decaySteps=4"),
                "STEP takes no [decaySteps]");
        assertMessage(() -> LearningRateSchedule.parse("COSINE decaySteps"), "expected name=value, got 'decaySteps'");
        assertMessage(() -> LearningRateSchedule.constant().factor(-1), "update index must be >= 0");
    }

    private static void assertMessage(Supplier<Object> call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
