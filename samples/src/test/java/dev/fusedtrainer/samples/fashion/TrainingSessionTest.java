package dev.fusedtrainer.samples.fashion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.checkpoint.CheckpointException;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.data.BatchStream;
import dev.fusedtrainer.runtime.data.FashionMnist;
import dev.fusedtrainer.runtime.data.LabelledImages;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Training on real Fashion-MNIST subsets: learning, exact resume, and the --lr override. */
class TrainingSessionTest {

    @TempDir
    Path temp;

    @Test
    void shortRunOnRealDataClearlyBeatsChance() throws IOException {
        FashionMnist data = RealData.get();
        long start = System.nanoTime();
        RunSettings settings = new RunSettings(ModelVariant.ADAM, Schedule.BACKWARD, 64, 1e-3, 1, 1);
        try (TrainingSession session = new TrainingSession(settings, 1, data.train().head(6400),
                data.test().head(2000))) {
            while (!session.epochFinished()) {
                session.step();
            }
            double accuracy = session.evaluateTest().accuracy();
            double seconds = (System.nanoTime() - start) * 1e-9;
            // chance is 10%; one epoch over 6,400 images reaches about 75%
            assertTrue(accuracy > 0.65, "test accuracy after 100 steps: " + accuracy);
            assertTrue(seconds < 20, "took " + seconds + " s");
        }
    }

    /** Trains {@code steps} steps uninterrupted, and the same with a checkpoint to disk and a fresh trainer at {@code split}. */
    private void assertResumeIsExact(RunSettings settings, int steps, int split) throws IOException {
        LabelledImages train = RealData.get().train().head(1000);
        LabelledImages test = RealData.get().test().head(100);
        float[] uninterrupted;
        try (TrainingSession session = new TrainingSession(settings, 1, train, test)) {
            for (int i = 0; i < steps; i++) {
                session.step();
            }
            uninterrupted = session.trainer().state().exportParameters();
        }
        Path file = temp.resolve("checkpoint.ftc");
        try (TrainingSession first = new TrainingSession(settings, 1, train, test)) {
            for (int i = 0; i < split; i++) {
                first.step();
            }
            first.saveCheckpoint(file);
        }
        var checkpoint = CheckpointFile.read(file);
        RunSettings saved = TrainingSession.settingsOf(file, checkpoint);
        assertEquals(settings, saved);
        float[] resumed;
        try (TrainingSession second = new TrainingSession(saved, 1, train, test)) {
            second.resume(file, checkpoint);
            assertEquals(split, second.trainer().stepCount());
            for (int i = split; i < steps; i++) {
                second.step();
            }
            resumed = second.trainer().state().exportParameters();
        }
        assertArrayEquals(uninterrupted, resumed, settings + ": resumed weights differ");
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void resumingMidEpochGivesIdenticalWeights(Schedule schedule) throws IOException {
        // 1000 samples in batches of 64: 16 batches per epoch; stop inside epoch 2, go on into epoch 3
        assertResumeIsExact(new RunSettings(ModelVariant.ADAM, schedule, 64, 1e-3, 0.8, 7), 40, 21);
    }

    @Test
    void resumingAtAnEpochBoundaryGivesIdenticalWeights() throws IOException {
        assertResumeIsExact(new RunSettings(ModelVariant.SGD, Schedule.BACKWARD, 100, 0.01, 1, 3), 25, 10);
    }

    @Test
    void resumingWithALearningRateOverrideGivesIdenticalWeights() throws IOException {
        assertResumeIsExact(new RunSettings(ModelVariant.ADAM, Schedule.FORWARD, 50, 5e-4, 0.5, 11), 30, 13);
    }

    @Test
    void checkpointOfOtherSettingsIsRefused() throws IOException {
        LabelledImages train = RealData.get().train().head(200);
        LabelledImages test = RealData.get().test().head(50);
        Path file = temp.resolve("checkpoint.ftc");
        RunSettings adam = new RunSettings(ModelVariant.ADAM, Schedule.BACKWARD, 64, 1e-3, 1, 1);
        try (TrainingSession session = new TrainingSession(adam, 1, train, test)) {
            session.step();
            session.saveCheckpoint(file);
        }
        RunSettings sgd = new RunSettings(ModelVariant.SGD, Schedule.BACKWARD, 64, 0.01, 1, 1);
        try (TrainingSession other = new TrainingSession(sgd, 1, train, test)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> other.resume(file, CheckpointFile.read(file)));
            assertTrue(e.getMessage().contains("it was trained with"), e.getMessage());
        }
    }

    /** The --lr override must train exactly like a model whose annotation says that learning rate. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void learningRateOverrideMatchesTheAnnotatedRate(Schedule schedule) throws IOException {
        LabelledImages train = RealData.get().train().head(640);
        BatchStream a = new BatchStream(train, 64, 5, FashionMnist.MEAN, FashionMnist.STD);
        BatchStream b = new BatchStream(train, 64, 5, FashionMnist.MEAN, FashionMnist.STD);
        try (Trainer overridden = ModelVariant.ADAM.build(schedule, 9, 1, 64);
             Trainer annotated = FashionMlpLr2e3Trainer.builder().schedule(schedule).seed(9).maxBatch(64).build();
             Trainer plain = ModelVariant.ADAM.build(schedule, 9, 1, 64)) {
            LearningRate.override(overridden, ModelVariant.ADAM, 2e-3);
            for (int i = 0; i < 10; i++) {
                BatchStream.Batch x = a.next();
                overridden.step(x.inputs(), x.labels());
                plain.step(x.inputs(), x.labels());
                BatchStream.Batch y = b.next();
                annotated.step(y.inputs(), y.labels());
            }
            float[] expected = annotated.state().exportParameters();
            assertArrayEquals(expected, overridden.state().exportParameters());
            assertTrue(!java.util.Arrays.equals(expected, plain.state().exportParameters()),
                    "the override changed nothing");
        }
    }
}
