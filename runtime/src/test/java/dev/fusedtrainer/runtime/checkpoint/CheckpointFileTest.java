package dev.fusedtrainer.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.BatchNormLayout;
import dev.fusedtrainer.runtime.DenseLayout;
import dev.fusedtrainer.runtime.LearningRateSchedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.ModelLayout;
import dev.fusedtrainer.runtime.OptimizerConfig;
import dev.fusedtrainer.runtime.TrainerCore;
import dev.fusedtrainer.runtime.data.BatchStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files: round trip, atomic replacement, and refusal of damaged or foreign files. */
class CheckpointFileTest {

    @TempDir
    Path temp;

    private static ModelLayout layout(String name, int hidden) {
        OptimizerConfig adam = OptimizerConfig.defaults(OptimizerKind.ADAM, 1e-3);
        return new ModelLayout(name, 4, Loss.SOFTMAX_CROSS_ENTROPY, List.of(
                new DenseLayout("hidden", 4, hidden, Activation.RELU, 0.01f, adam),
                new DenseLayout("logits", hidden, 3, Activation.IDENTITY, 0.01f, adam)));
    }

    private final List<TrainerCore> cores = new java.util.ArrayList<>();

    private TrainerCore core(ModelLayout layout, long seed) {
        TrainerCore core = new TrainerCore(layout, Schedule.UNFUSED, Device.cpu(), seed, 1, 8);
        cores.add(core);
        return core;
    }

    @org.junit.jupiter.api.AfterEach
    void freeNativeMemory() {
        cores.forEach(TrainerCore::close);
    }

    private static Checkpoint sample(TrainerCore core) {
        float[] slot0 = new float[core.parameterCount()];
        float[] slot1 = new float[core.parameterCount()];
        for (int i = 0; i < slot0.length; i++) {
            slot0[i] = i * 0.5f;
            slot1[i] = -i;
        }
        core.importStateSlot(0, slot0);
        core.importStateSlot(1, slot1);
        core.setStepCount(1234);
        core.setLearningRateSchedule(LearningRateSchedule.cosine(5000, 0.1).withWarmup(100, 0.2));
        core.setLearningRateFactor(0.75);
        return Checkpoint.capture("Tiny", "UNFUSED", core,
                new BatchStream.Position(3, 6, new int[] {2, 0, 1, 4, 3, 5, 7, 6}, 0xdeadbeefL),
                Map.of("batchSize", "64"));
    }

    @Test
    void roundTripRestoresEveryPieceOfState() throws IOException {
        Path file = temp.resolve("checkpoint.ftc");
        {
            TrainerCore source = core(layout("Tiny", 5), 1);
            TrainerCore target = core(layout("Tiny", 5), 2);
            Checkpoint saved = sample(source);
            CheckpointFile.write(file, saved);
            Checkpoint loaded = CheckpointFile.read(file);
            loaded.restoreInto(target);
            assertArrayEquals(source.exportParameters(), target.exportParameters());
            assertArrayEquals(source.exportStateSlot(0), target.exportStateSlot(0));
            assertArrayEquals(source.exportStateSlot(1), target.exportStateSlot(1));
            assertEquals(1234, target.stepCount());
            assertEquals(LearningRateSchedule.cosine(5000, 0.1).withWarmup(100, 0.2), target.learningRateSchedule());
            assertEquals(0.75, target.learningRateFactor());
            assertEquals("UNFUSED", loaded.schedule());
            assertEquals(3, loaded.data().epoch());
            assertEquals(6, loaded.data().cursor());
            assertEquals(0xdeadbeefL, loaded.data().rngState());
            assertArrayEquals(saved.data().order(), loaded.data().order());
            assertEquals(Map.of("batchSize", "64"), loaded.settings());
        }
        try (var files = Files.list(temp)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void rewritingReplacesTheOldCheckpoint() throws IOException {
        Path file = temp.resolve("checkpoint.ftc");
        {
            TrainerCore core = core(layout("Tiny", 5), 1);
            CheckpointFile.write(file, sample(core));
            core.setStepCount(99);
            CheckpointFile.write(file, Checkpoint.capture("Tiny", "UNFUSED", core,
                    new BatchStream.Position(0, 0, new int[] {0}, 1), Map.of()));
            assertEquals(99, CheckpointFile.read(file).stepCount());
        }
    }

    private Path written() throws IOException {
        Path file = temp.resolve("checkpoint.ftc");
        {
            TrainerCore core = core(layout("Tiny", 5), 1);
            CheckpointFile.write(file, sample(core));
        }
        return file;
    }

    private static String refusal(Path file) {
        return assertThrows(CheckpointException.class, () -> CheckpointFile.read(file)).getMessage();
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 7));
        String message = refusal(file);
        assertTrue(message.contains(file.toString()) && message.contains("truncated"), message);
    }

    @Test
    void flippedBitIsRefusedByTheChecksum() throws IOException {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        assertTrue(refusal(file).contains("checksum mismatch"), refusal(file));
    }

    @Test
    void foreignFileIsRefused() throws IOException {
        Path file = temp.resolve("notes.txt");
        Files.writeString(file, "hello, this is not a checkpoint at all");
        assertTrue(refusal(file).contains("bad magic"), refusal(file));
    }

    @Test
    void otherFormatVersionIsRefused() throws IOException {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        bytes[11] = 9;  // version int follows the 8 magic bytes
        Files.write(file, bytes);
        assertTrue(refusal(file).contains("format version 9"), refusal(file));
    }

    /** A file of format version 1 (no learning-rate schedule or factor) still restores; the trainer keeps its own. */
    @Test
    void versionOneFilesAreStillRead() throws IOException {
        Path file = written();
        Files.write(file, asOlderVersion(Files.readAllBytes(file), 1));
        Checkpoint loaded = CheckpointFile.read(file);
        assertEquals(null, loaded.learningRateSchedule());
        {
            TrainerCore target = core(layout("Tiny", 5), 2);
            target.setLearningRateSchedule(LearningRateSchedule.exponential(0.5));
            loaded.restoreInto(target);
            assertEquals(1234, target.stepCount());
            assertEquals(LearningRateSchedule.exponential(0.5), target.learningRateSchedule());
            assertEquals(1.0, target.learningRateFactor());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CheckpointFile.write(temp.resolve("again.ftc"), loaded));
            assertTrue(e.getMessage().contains("version-1 file"), e.getMessage());
        }
    }

    /** A version-2 file (no buffers) of a model without batch norm still restores completely. */
    @Test
    void versionTwoFilesAreStillRead() throws IOException {
        Path file = written();
        Files.write(file, asOlderVersion(Files.readAllBytes(file), 2));
        Checkpoint loaded = CheckpointFile.read(file);
        assertEquals(0, loaded.buffers().length);
        TrainerCore target = core(layout("Tiny", 5), 2);
        loaded.restoreInto(target);
        assertEquals(1234, target.stepCount());
        assertEquals(LearningRateSchedule.cosine(5000, 0.1).withWarmup(100, 0.2), target.learningRateSchedule());
    }

    /** Batch norm's running statistics travel in the file; a checkpoint without them is refused, naming why. */
    @Test
    void runningStatisticsRoundTripAndTheirAbsenceIsRefused() throws IOException {
        OptimizerConfig sgd = OptimizerConfig.of(OptimizerKind.SGD, Map.of("lr", 0.1));
        ModelLayout normed = new ModelLayout("Normed", 4, Loss.SOFTMAX_CROSS_ENTROPY, List.of(
                new DenseLayout("hidden", 4, 6, Activation.IDENTITY, 0.01f, sgd),
                new BatchNormLayout("bn", 6, 1, 1e-5f, 0.1f, Activation.RELU, 0.01f, sgd),
                new DenseLayout("logits", 6, 3, Activation.IDENTITY, 0.01f, sgd)));
        TrainerCore source = core(normed, 1);
        float[] statistics = {1, 2, 3, 4, 5, 6, 0.5f, 0.25f, 2, 3, 4, 5};
        source.importBuffers(statistics);
        Path file = temp.resolve("normed.ftc");
        Checkpoint saved = Checkpoint.capture("Normed", "UNFUSED", source, new BatchStream.Position(0, 0, new int[0], 0),
                Map.of());
        CheckpointFile.write(file, saved);
        TrainerCore target = core(normed, 2);
        CheckpointFile.read(file).restoreInto(target);
        assertArrayEquals(statistics, target.exportBuffers());
        assertArrayEquals(new float[] {0.5f, 0.25f, 2, 3, 4, 5}, target.exportBuffer("bn.running_var"));

        Checkpoint withoutBuffers = new Checkpoint(saved.modelName(), saved.fingerprint(), saved.schedule(),
                saved.stepCount(), saved.learningRateSchedule(), saved.learningRateFactor(), saved.parameters(),
                saved.stateSlots(), new float[0], saved.data(), saved.settings());
        TrainerCore fresh = core(normed, 3);
        float[] before = fresh.exportParameters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withoutBuffers.restoreInto(fresh));
        assertTrue(e.getMessage().contains("running statistics") && e.getMessage().contains("version 3"), e.getMessage());
        assertArrayEquals(before, fresh.exportParameters(), "nothing is changed by a refused restore");
    }

    /**
     * The current format's bytes as an older version: without the buffers (before 3) and the learning-rate fields
     * (before 2); header version, length and digest rewritten.
     */
    private static byte[] asOlderVersion(byte[] current, int version) throws IOException {
        int header = 8 + 4 + 8;
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(current);
        int cursor = header;
        for (int utf = 0; utf < 3; utf++) {  // model name, fingerprint, schedule
            cursor += 2 + (in.getShort(cursor) & 0xffff);
        }
        cursor += 8;  // step count
        int ratesStart = cursor;
        int ratesEnd = cursor + 2 + (in.getShort(cursor) & 0xffff) + 8;  // schedule text, factor
        cursor = ratesEnd;
        cursor += 4 + 4 * in.getInt(cursor);  // parameters
        int slots = in.getInt(cursor);
        cursor += 4;
        for (int i = 0; i < slots; i++) {
            cursor += 4;  // slot number
            cursor += 4 + 4 * in.getInt(cursor);
        }
        int buffersStart = cursor;
        int buffersEnd = cursor + 4 + 4 * in.getInt(cursor);
        int bodyEnd = current.length - 32;
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(current, header, ratesStart - header);
        if (version >= 2) {
            body.write(current, ratesStart, ratesEnd - ratesStart);
        }
        body.write(current, ratesEnd, buffersStart - ratesEnd);
        body.write(current, buffersEnd, bodyEnd - buffersEnd);
        byte[] b = body.toByteArray();
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(header + b.length + 32);
        out.put(current, 0, 8).putInt(version).putLong(b.length).put(b);
        try {
            out.put(java.security.MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(out.array(), header + b.length)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out.array();
    }

    @Test
    void checkpointOfAnotherModelIsRefusedByFingerprint() throws IOException {
        Path file = written();
        Checkpoint loaded = CheckpointFile.read(file);
        {
            TrainerCore other = core(layout("Tiny", 6), 1);
            float[] before = other.exportParameters();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loaded.restoreInto(other));
            assertTrue(e.getMessage().contains("layout fingerprint"), e.getMessage());
            assertArrayEquals(before, other.exportParameters(), "nothing is changed by a refused restore");
        }
    }
}
