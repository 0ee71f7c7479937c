package dev.fusedtrainer.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class XorMlpTrainerTest {

    /** Noisy XOR: label 1 when the signs of the two inputs differ. */
    static void batch(SplittableRandom random, float[] x, int[] y) {
        for (int i = 0; i < y.length; i++) {
            float a = random.nextBoolean() ? 1 : -1;
            float b = random.nextBoolean() ? 1 : -1;
            x[2 * i] = a + (float) random.nextGaussian() * 0.2f;
            x[2 * i + 1] = b + (float) random.nextGaussian() * 0.2f;
            y[i] = a * b < 0 ? 1 : 0;
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void learnsXorUnderEverySchedule(Schedule schedule) {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[2 * 32];
        int[] y = new int[32];
        try (XorMlpTrainer trainer = XorMlpTrainer.builder().schedule(schedule).seed(1).build()) {
            batch(random, x, y);
            float first = trainer.step(x, y);
            float last = first;
            for (int i = 0; i < 300; i++) {
                batch(random, x, y);
                last = trainer.step(x, y);
            }
            float[] testX = new float[2 * 512];
            int[] testY = new int[512];
            batch(random, testX, testY);
            double accuracy = trainer.evaluate(testX, testY).accuracy();
            assertTrue(last < first * 0.3, schedule + ": loss went from " + first + " to " + last);
            assertTrue(accuracy > 0.95, schedule + ": accuracy " + accuracy);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"BACKWARD", "FORWARD"})
    void fusedSchedulesMatchUnfusedAfterOneStep(Schedule schedule) {
        SplittableRandom random = new SplittableRandom(3);
        float[] x = new float[2 * 16];
        int[] y = new int[16];
        batch(random, x, y);
        try (XorMlpTrainer unfused = XorMlpTrainer.builder().schedule(Schedule.UNFUSED).seed(5).build();
             XorMlpTrainer fused = XorMlpTrainer.builder().schedule(schedule).seed(5).build()) {
            unfused.step(x, y);
            fused.step(x, y);
            for (var p : unfused.parameters()) {
                assertArrayEquals(unfused.parameter(p.name()), fused.parameter(p.name()), 1e-6f, p.name());
            }
        }
    }
}
