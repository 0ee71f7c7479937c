package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.LearningRateSchedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.checkpoint.Checkpoint;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.data.BatchStream;
import dev.fusedtrainer.tests.models.LrScheduleModels_CosineAdamTrainer;
import dev.fusedtrainer.tests.models.LrScheduleModels_StepSgdTrainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.ReferenceData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Learning-rate schedules: each factor against PyTorch 1.13's schedulers ({@code reference/lr_schedules.json},
 * written by {@code scripts/lr_schedule_reference.py}), training under a declared schedule against the
 * published rules in double precision with PyTorch's rate for every update (all three schedules), a schedule
 * replaced mid-run, and a checkpoint that carries it.
 */
class LrScheduleTrainingTest {
    private static final JsonNode TORCH = ReferenceData.load("lr_schedules.json");
    private static final ReferenceMlp NETWORK = new ReferenceMlp(131, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(13, Activation.TANH), dense(9, Activation.RELU), dense(5, Activation.IDENTITY));
    private static final int BATCH = 6;

    @TempDir
    Path temp;

    /** PyTorch's rate of every update divided by its base rate, for the case written as {@code schedule}. */
    private static double[] torchFactors(String schedule) {
        for (JsonNode c : TORCH.get("cases")) {
            if (c.get("schedule").asText().equals(schedule)) {
                double[] lrs = ReferenceData.vector(c.get("lr_per_update"));
                for (int t = 0; t < lrs.length; t++) {
                    lrs[t] /= TORCH.get("base_lr").asDouble();
                }
                return lrs;
            }
        }
        throw new IllegalStateException("no PyTorch case " + schedule);
    }

    @Test
    void everyFactorIsPytorchs() {
        int cases = 0;
        for (JsonNode c : TORCH.get("cases")) {
            String text = c.get("schedule").asText();
            LearningRateSchedule schedule = LearningRateSchedule.parse(text);
            double[] expected = torchFactors(text);
            for (int t = 0; t < expected.length; t++) {
                Close.assertClose(text + " (" + c.get("pytorch").asText() + ") at update " + t, expected[t],
                        schedule.factor(t), 1e-15, 1e-12);
            }
            cases++;
        }
        assertEquals(6, cases);
    }

    enum Case {
        COSINE_ADAM("COSINE decaySteps=20 minFactor=0.0 warmupSteps=5 warmupStartFactor=0.01",
                List.of(OptimizerKind.ADAM, OptimizerKind.ADAM, OptimizerKind.ADAM),
                List.of(Map.of("lr", 0.01), Map.of("lr", 0.01), Map.of("lr", 0.01)),
                s -> LrScheduleModels_CosineAdamTrainer.builder().schedule(s).seed(4).maxBatch(BATCH).build()),
        STEP_SGD("STEP stepSize=5 gamma=0.1 warmupSteps=4 warmupStartFactor=0.3333333333333333",
                List.of(OptimizerKind.SGD, OptimizerKind.SGD, OptimizerKind.SGD),
                List.of(Map.of("lr", 0.2, "momentum", 0.9), Map.of("lr", 0.05, "momentum", 0.5),
                        Map.of("lr", 0.2, "momentum", 0.9)),
                s -> LrScheduleModels_StepSgdTrainer.builder().schedule(s).seed(4).maxBatch(BATCH).build());

        final String schedule;
        final List<OptimizerKind> kinds;
        final List<Map<String, Double>> rules;
        final Function<Schedule, Trainer> trainer;

        Case(String schedule, List<OptimizerKind> kinds, List<Map<String, Double>> rules,
             Function<Schedule, Trainer> trainer) {
            this.schedule = schedule;
            this.kinds = kinds;
            this.rules = rules;
            this.trainer = trainer;
        }
    }

    /**
     * Trains {@code updates} steps and compares every layer after each with the reference, whose update
     * {@code t} runs at the layer's base rate times {@code factor(t)}; {@code midRun} runs after step 8.
     */
    private static void agreesWithTheReference(Case c, Schedule schedule, int updates, LongToDoubleFunction factor,
                                               java.util.function.Consumer<Trainer> midRun) {
        SplittableRandom random = new SplittableRandom(31);
        try (Trainer trainer = c.trainer.apply(schedule)) {
            double[][] expected = GradientProbe.parametersByLayer(trainer);
            ReferenceOptimizer[] rules = new ReferenceOptimizer[NETWORK.layerCount()];
            for (int l = 0; l < rules.length; l++) {
                rules[l] = new ReferenceOptimizer(c.kinds.get(l), c.rules.get(l), NETWORK.parameterCount(l));
            }
            for (int t = 0; t < updates; t++) {
                if (t == 8) {
                    midRun.accept(trainer);
                }
                float[] x = Data.uniform(random, BATCH * 131, 1);
                int[] y = Data.labels(random, BATCH, 5);
                double[][] g = NETWORK.run(expected, Data.toDouble(x), BATCH, y, null).gradients();
                for (int l = 0; l < rules.length; l++) {
                    rules[l].setLearningRate(c.rules.get(l).get("lr") * factor.applyAsDouble(t));
                    rules[l].step(expected[l], g[l]);
                }
                trainer.step(x, y);
                double[][] actual = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < rules.length; l++) {
                    Close.assertClose(c + " " + schedule + " layer " + l + " after update " + t, expected[l],
                            actual[l], 2e-5, 1e-4);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void cosineWithWarmupTrainsAdamAtPytorchsRates(Schedule schedule) {
        double[] torch = torchFactors(Case.COSINE_ADAM.schedule);
        agreesWithTheReference(Case.COSINE_ADAM, schedule, torch.length, t -> torch[(int) t], trainer -> { });
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void stepWithWarmupTrainsPerLayerSgdAtPytorchsRates(Schedule schedule) {
        double[] torch = torchFactors(Case.STEP_SGD.schedule);
        agreesWithTheReference(Case.STEP_SGD, schedule, torch.length, t -> torch[(int) t], trainer -> { });
    }

    /** A reference that ignores the schedule disagrees: the test can fail. */
    @Test
    void aConstantRateReferenceDisagrees() {
        assertThrows(AssertionError.class, () -> agreesWithTheReference(Case.STEP_SGD, Schedule.FORWARD, 12,
                t -> 1, trainer -> { }));
    }

    /**
     * Replaced after 8 updates by {@code 0.9^t} at half the rate: update 8 on uses it (counted from the first update),
     * and a pending FORWARD update keeps the declared rate of its own step.
     */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void aScheduleReplacedMidRunTakesOverAtTheNextUpdate(Schedule schedule) {
        double[] torch = torchFactors(Case.COSINE_ADAM.schedule);
        agreesWithTheReference(Case.COSINE_ADAM, schedule, 16, t -> t < 8 ? torch[(int) t] : 0.5 * Math.pow(0.9, t),
                trainer -> {
                    trainer.setLearningRateSchedule(LearningRateSchedule.exponential(0.9));
                    trainer.setLearningRateFactor(0.5);
                });
    }

    /** Saved mid-run with a replaced schedule and factor; a fresh trainer (declared schedule) continues exactly. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void aCheckpointCarriesTheScheduleInForce(Schedule schedule) throws IOException {
        SplittableRandom random = new SplittableRandom(8);
        float[] x = Data.uniform(random, BATCH * 131, 1);
        int[] y = Data.labels(random, BATCH, 5);
        LearningRateSchedule replaced = LearningRateSchedule.step(3, 0.5).withWarmup(2, 0.5);
        Path file = temp.resolve("run.ftc");
        try (Trainer original = Case.COSINE_ADAM.trainer.apply(schedule);
             Trainer resumed = Case.COSINE_ADAM.trainer.apply(schedule)) {
            for (int t = 0; t < 7; t++) {
                original.step(x, y);
            }
            original.setLearningRateSchedule(replaced);
            original.setLearningRateFactor(0.8);
            CheckpointFile.write(file, Checkpoint.capture(original.modelName(), schedule.name(), original.state(),
                    new BatchStream.Position(0, 0, new int[0], 0), Map.of()));
            CheckpointFile.read(file).restoreInto(resumed.state());
            assertEquals(replaced, resumed.learningRateSchedule());
            assertEquals(0.8, resumed.learningRateFactor());
            for (int t = 0; t < 6; t++) {
                assertEquals(original.step(x, y), resumed.step(x, y), "loss of update " + (8 + t));
            }
            assertArrayEquals(original.state().exportParameters(), resumed.state().exportParameters());
        }
    }

    @Test
    void theDeclaredScheduleIsInForceFromTheStart() {
        try (Trainer trainer = Case.COSINE_ADAM.trainer.apply(Schedule.UNFUSED)) {
            assertEquals(LearningRateSchedule.cosine(20, 0).withWarmup(5, 0.01), trainer.learningRateSchedule());
            assertEquals(LearningRateSchedule.cosine(20, 0).withWarmup(5, 0.01),
                    LrScheduleModels_CosineAdamTrainer.LR_SCHEDULE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.setLearningRateSchedule(null));
            assertEquals("learning-rate schedule must not be null; use LearningRateSchedule.constant()", e.getMessage());
        }
    }
}
