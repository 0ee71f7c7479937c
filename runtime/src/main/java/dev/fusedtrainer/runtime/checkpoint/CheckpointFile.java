package dev.fusedtrainer.runtime.checkpoint;

import dev.fusedtrainer.runtime.data.BatchStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The on-disk form of a {@link Checkpoint}: one binary file, big-endian.
 *
 * <pre>
 * magic    8 bytes  "FTCKPT\r\n"
 * version  int      {@value #VERSION}
 * length   long     bytes of the body that follows
 * body     length   model name, fingerprint, schedule (UTF), step, learning-rate schedule (UTF) and
 *                   factor (double; version 2 on), parameters, state slots, buffers (version 3 on), data
 *                   position, settings
 * sha256   32 bytes over magic, version, length and body
 * </pre>
 *
 * Writes are atomic: the bytes go to a temporary file in the same directory, are flushed and
 * fsync'ed, then renamed over the target (and the directory is fsync'ed), so a crash leaves
 * either the old checkpoint or the new one, never a mix.
 */
public final class CheckpointFile {
    public static final int VERSION = 3;
    /** Version 1 lacks the learning-rate schedule and factor, versions 1 and 2 the buffers; both are still read. */
    private static final int OLDEST_READ = 1;
    private static final byte[] MAGIC = "FTCKPT\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int DIGEST = 32;
    private static final int HEADER = MAGIC.length + 4 + 8;

    private CheckpointFile() {
    }

    public static void write(Path file, Checkpoint checkpoint) throws IOException {
        byte[] body = encodeBody(checkpoint);
        ByteBuffer out = ByteBuffer.allocate(HEADER + body.length + DIGEST);
        out.put(MAGIC).putInt(VERSION).putLong(body.length).put(body);
        out.put(sha256(out.array(), HEADER + body.length));
        out.flip();

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + file + " atomically on this file system", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);  // make the rename itself durable
        } catch (IOException e) {
            // Some file systems do not allow opening a directory; the file itself is already durable.
        }
    }

    public static Checkpoint read(Path file) throws IOException {
        return decode(file, readBytes(file));
    }

    /** The file's bytes, undecoded (to send to other ranks, which {@link #decode} them). */
    public static byte[] readBytes(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "no such file");
        }
    }

    /** Checks and decodes the bytes of checkpoint file {@code file} (named in errors). */
    public static Checkpoint decode(Path file, byte[] bytes) throws CheckpointException {
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CheckpointException(file, "not a FusedTrainer checkpoint (bad magic bytes)");
        }
        if (bytes.length < HEADER + DIGEST) {
            throw new CheckpointException(file, "truncated: " + bytes.length + " bytes is shorter than a header");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, MAGIC.length, 12);
        int version = header.getInt();
        if (version < OLDEST_READ || version > VERSION) {
            throw new CheckpointException(file, "format version " + version + ", this build reads versions "
                    + OLDEST_READ + " to " + VERSION);
        }
        long length = header.getLong();
        long expected = HEADER + length + DIGEST;
        if (length < 0 || expected != bytes.length) {
            throw new CheckpointException(file, (bytes.length < expected ? "truncated: " : "corrupted: ")
                    + bytes.length + " bytes, the header says " + expected);
        }
        byte[] digest = sha256(bytes, bytes.length - DIGEST);
        if (!Arrays.equals(digest, 0, DIGEST, bytes, bytes.length - DIGEST, bytes.length)) {
            throw new CheckpointException(file, "checksum mismatch: the file is corrupted");
        }
        try {
            return decodeBody(new DataInputStream(new ByteArrayInputStream(bytes, HEADER, (int) length)), version);
        } catch (IOException | IllegalArgumentException e) {  // EOF, or a bad UTF-8 name: reading memory cannot fail otherwise
            throw new CheckpointException(file, "inconsistent contents despite a valid checksum (" + e + ")");
        }
    }

    private static byte[] encodeBody(Checkpoint c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + c.parameters().length * 4 * (1 + c.stateSlots().size()));
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(c.modelName());
        out.writeUTF(c.fingerprint());
        out.writeUTF(c.schedule());
        out.writeLong(c.stepCount());
        if (c.learningRateSchedule() == null) {
            throw new IllegalArgumentException("this checkpoint was read from a version-1 file, which has no learning-rate "
                    + "schedule: capture a new one from the trainer to write it");
        }
        out.writeUTF(c.learningRateSchedule());
        out.writeDouble(c.learningRateFactor());
        writeFloats(out, c.parameters());
        out.writeInt(c.stateSlots().size());
        for (int slot = 0; slot < 16; slot++) {
            float[] values = c.stateSlots().get(slot);
            if (values != null) {
                out.writeInt(slot);
                writeFloats(out, values);
            }
        }
        writeFloats(out, c.buffers());
        BatchStream.Position data = c.data();
        out.writeInt(data.epoch());
        out.writeInt(data.cursor());
        out.writeLong(data.rngState());
        out.writeInt(data.order().length);
        for (int index : data.order()) {
            out.writeInt(index);
        }
        out.writeInt(c.settings().size());
        for (Map.Entry<String, String> e : c.settings().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static Checkpoint decodeBody(DataInputStream in, int version) throws IOException {
        String model = in.readUTF();
        String fingerprint = in.readUTF();
        String schedule = in.readUTF();
        long steps = in.readLong();
        String rates = version >= 2 ? in.readUTF() : null;
        double rateFactor = version >= 2 ? in.readDouble() : 1;
        float[] parameters = readFloats(in);
        int slotCount = in.readInt();
        Map<Integer, float[]> slots = new LinkedHashMap<>();
        for (int i = 0; i < slotCount; i++) {
            slots.put(in.readInt(), readFloats(in));
        }
        float[] buffers = version >= 3 ? readFloats(in) : new float[0];
        int epoch = in.readInt();
        int cursor = in.readInt();
        long rng = in.readLong();
        int[] order = new int[checkedLength(in.readInt())];
        for (int i = 0; i < order.length; i++) {
            order[i] = in.readInt();
        }
        int settingCount = in.readInt();
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < settingCount; i++) {
            settings.put(in.readUTF(), in.readUTF());
        }
        if (in.available() != 0) {
            throw new IllegalArgumentException(in.available() + " unread bytes at the end of the body");
        }
        return new Checkpoint(model, fingerprint, schedule, steps, rates, rateFactor, parameters, slots, buffers,
                new BatchStream.Position(epoch, cursor, order, rng), settings);
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4);
        buffer.asFloatBuffer().put(values);
        out.write(buffer.array());
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = checkedLength(in.readInt());
        byte[] raw = new byte[n * 4];
        in.readFully(raw);
        float[] values = new float[n];
        ByteBuffer.wrap(raw).asFloatBuffer().get(values);
        return values;
    }

    private static int checkedLength(int n) {
        if (n < 0 || n > (1 << 28)) {
            throw new IllegalArgumentException("array length " + n);
        }
        return n;
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
