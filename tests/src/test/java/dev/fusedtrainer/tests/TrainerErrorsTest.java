package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.GradientModels_IdentityTrainer;
import dev.fusedtrainer.tests.models.GradientModels_SoftmaxCrossEntropyTrainer;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What users get wrong, and what they are told. Every rejected call must leave the trainer as it
 * was (no step counted, no weight changed).
 */
class TrainerErrorsTest {
    private static final int INPUT = 13;
    private static final int CLASSES = 7;

    private static Trainer classifier(Schedule schedule) {
        return GradientModels_SoftmaxCrossEntropyTrainer.builder().schedule(schedule).maxBatch(4).build();
    }

    private static Trainer regressor(Schedule schedule) {
        return GradientModels_IdentityTrainer.builder().schedule(schedule).maxBatch(4).build();
    }

    private static void assertRejected(Trainer trainer, Class<? extends RuntimeException> type, Executable call,
                                       String... fragments) {
        float[] before = trainer.state().exportParameters();
        long steps = trainer.stepCount();
        RuntimeException e = assertThrows(type, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
        assertEquals(steps, trainer.stepCount(), "a rejected call counted a step");
        assertArrayEquals(before, trainer.state().exportParameters(), "a rejected call changed the weights");
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void wrongInputLengthIsRejected(Schedule schedule) {
        try (Trainer t = classifier(schedule)) {
            float[] ragged = new float[2 * INPUT + 3];
            String[] says = {"inputs has 29 floats", "not a positive multiple", "input size 13", "[batch][13]"};
            assertRejected(t, IllegalArgumentException.class, () -> t.step(ragged, new int[2]), says);
            assertRejected(t, IllegalArgumentException.class, () -> t.predict(ragged), says);
            assertRejected(t, IllegalArgumentException.class, () -> t.evaluate(ragged, new int[2]), says);
            assertRejected(t, IllegalArgumentException.class, () -> t.step(new float[0], new int[0]),
                    "inputs has 0 floats");
            assertRejected(t, IllegalArgumentException.class, () -> t.step(null, new int[1]), "inputs is null");
            assertRejected(t, IllegalArgumentException.class, () -> t.step(new float[2 * INPUT], new int[3]),
                    "labels has 3 entries but inputs holds 2 samples");
            assertRejected(t, IllegalArgumentException.class, () -> t.predict(new float[2 * INPUT], new float[3]),
                    "outputs must hold 14 floats", "got 3");
        }
        try (Trainer t = regressor(schedule)) {
            assertRejected(t, IllegalArgumentException.class, () -> t.step(new float[2 * INPUT], new float[7]),
                    "targets has 7 floats but 2 samples need 14 (7 per sample)");
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void labelsOutOfRangeAreRejected(Schedule schedule) {
        try (Trainer t = classifier(schedule)) {
            float[] x = new float[3 * INPUT];
            assertRejected(t, IllegalArgumentException.class, () -> t.step(x, new int[] {0, CLASSES, 1}),
                    "labels[1] = 7 is outside [0, 7)", "7 classes");
            assertRejected(t, IllegalArgumentException.class, () -> t.step(x, new int[] {0, 1, -1}),
                    "labels[2] = -1 is outside [0, 7)");
            assertRejected(t, IllegalArgumentException.class, () -> t.evaluate(x, new int[] {9, 1, 1}),
                    "labels[0] = 9 is outside [0, 7)");
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void wrongOverloadForTheLossIsRejected(Schedule schedule) {
        try (Trainer t = classifier(schedule)) {
            float[] x = new float[INPUT];
            for (Executable call : List.<Executable>of(() -> t.step(x, new float[CLASSES]),
                    () -> t.evaluate(x, new float[CLASSES]))) {
                assertRejected(t, IllegalArgumentException.class, call, "uses SOFTMAX_CROSS_ENTROPY",
                        "integer class labels", "(float[] inputs, int[] labels) overload");
            }
        }
        try (Trainer t = regressor(schedule)) {
            float[] x = new float[INPUT];
            for (Executable call : List.<Executable>of(() -> t.step(x, new int[1]), () -> t.evaluate(x, new int[1]))) {
                assertRejected(t, IllegalArgumentException.class, call, "uses MEAN_SQUARED_ERROR", "float targets",
                        "(float[] inputs, float[] targets) overload");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void batchLargerThanMaxBatchIsRejectedButPredictAndEvaluateChunk(Schedule schedule) {
        try (Trainer t = classifier(schedule)) {
            float[] x = new float[5 * INPUT];
            int[] y = new int[5];
            assertRejected(t, IllegalArgumentException.class, () -> t.step(x, y),
                    "batch of 5 samples exceeds maxBatch 4", ".maxBatch(5)");
            assertEquals(5 * CLASSES, t.predict(x).length);
            assertEquals(5, t.evaluate(x, y).samples());
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void useAfterCloseThrowsAndClosingTwiceIsSafe(Schedule schedule) {
        Trainer t = classifier(schedule);
        float[] x = new float[INPUT];
        t.step(x, new int[] {1});
        t.close();
        t.close();
        List<Executable> calls = List.of(
                () -> t.step(x, new int[] {1}),
                () -> t.step(x, new float[CLASSES]),
                () -> t.predict(x),
                () -> t.predict(x, new float[CLASSES]),
                () -> t.evaluate(x, new int[] {1}),
                () -> t.evaluate(x, new float[CLASSES]),
                () -> t.parameter("hidden.weight"),
                () -> t.setParameter("hidden.bias", new float[10]),
                t::state);
        for (Executable call : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
            assertTrue(e.getMessage().contains("create a new trainer"), e.getMessage());
        }
    }

    /** The message names the class a user can actually call: nested models get Outer_InnerTrainer. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void useAfterCloseNamesTheGeneratedTrainerOfANestedModel(Schedule schedule) {
        Trainer t = classifier(schedule);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.predict(new float[INPUT]));
        assertEquals("GradientModels_SoftmaxCrossEntropyTrainer is closed; create a new trainer with "
                + "GradientModels_SoftmaxCrossEntropyTrainer.builder()", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void unknownParameterAndWrongSizeAreRejected(Schedule schedule) {
        try (Trainer t = classifier(schedule)) {
            assertRejected(t, IllegalArgumentException.class, () -> t.parameter("hiden.weight"),
                    "has no parameter 'hiden.weight'", "hidden.weight", "logits.bias");
            assertRejected(t, IllegalArgumentException.class, () -> t.setParameter("logits.bias", new float[6]),
                    "logits.bias takes 7 floats, got 6");
        }
    }
}
