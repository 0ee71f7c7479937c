package dev.fusedtrainer.runtime.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads unsigned-byte IDX files (the MNIST format), gzip-compressed or raw, and checks everything
 * that can be checked: the magic number (type 0x08, the expected rank), every dimension, that the
 * payload is exactly as long as the dimensions say, and that labels lie in {@code [0, classes)}.
 *
 * <p>Format: two zero bytes, a type byte (0x08 = unsigned byte), a rank byte, then one big-endian
 * int per dimension, then the data in row-major order.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /** Images of {@code rows × cols} pixels from an IDX3 file (magic 0x00000803). */
    public static ImageSet readImages(Path file) throws IOException {
        Parsed parsed = read(file, 3);
        int[] dims = parsed.dims;
        if (dims[1] < 1 || dims[2] < 1) {
            throw new IdxFormatException(file, "image size " + dims[1] + "x" + dims[2] + " is not positive");
        }
        return new ImageSet(parsed.data, dims[0], dims[1], dims[2]);
    }

    /** Class labels from an IDX1 file (magic 0x00000801), each checked to lie in {@code [0, classes)}. */
    public static int[] readLabels(Path file, int classes) throws IOException {
        Parsed parsed = read(file, 1);
        int[] labels = new int[parsed.dims[0]];
        for (int i = 0; i < labels.length; i++) {
            int label = parsed.data[i] & 0xff;
            if (label >= classes) {
                throw new IdxFormatException(file, "label " + label + " at index " + i + " is outside [0, "
                        + classes + ")");
            }
            labels[i] = label;
        }
        return labels;
    }

    private record Parsed(int[] dims, byte[] data) {
    }

    private static Parsed read(Path file, int rank) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IdxFormatException(file, "no such file");
        }
        try (InputStream in = open(file)) {
            byte[] header = new byte[4];
            readFully(file, in, header, "the 4-byte magic number");
            int magic = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
                    | (header[3] & 0xff);
            int expected = (UNSIGNED_BYTE << 8) | rank;
            if (magic != expected) {
                throw new IdxFormatException(file, String.format("bad magic number 0x%08X, expected 0x%08X "
                        + "(unsigned-byte IDX of rank %d)%s", magic, expected, rank,
                        (magic & ~0xff) == (UNSIGNED_BYTE << 8) ? ": this is a rank-" + (magic & 0xff)
                                + " file, are image and label files swapped?" : ""));
            }
            int[] dims = new int[rank];
            byte[] dim = new byte[4];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                readFully(file, in, dim, "dimension " + d);
                dims[d] = ((dim[0] & 0xff) << 24) | ((dim[1] & 0xff) << 16) | ((dim[2] & 0xff) << 8) | (dim[3] & 0xff);
                if (dims[d] <= 0) {
                    throw new IdxFormatException(file, "dimension " + d + " is " + dims[d] + ", must be positive");
                }
                size *= dims[d];
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new IdxFormatException(file, "payload of " + size + " bytes is too large");
            }
            byte[] data = new byte[(int) size];
            readFully(file, in, data, size + " data bytes for dimensions " + java.util.Arrays.toString(dims));
            if (in.read() != -1) {
                throw new IdxFormatException(file, "trailing bytes after the " + size + " data bytes that dimensions "
                        + java.util.Arrays.toString(dims) + " call for");
            }
            return new Parsed(dims, data);
        } catch (ZipException | EOFException e) {
            // GZIPInputStream reports a damaged or cut stream with these
            throw new IdxFormatException(file, "truncated or corrupted gzip stream (" + e.getMessage() + ")");
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new GZIPInputStream(raw, 1 << 16);
        }
        return raw;
    }

    private static void readFully(Path file, InputStream in, byte[] buffer, String what) throws IOException {
        int done = 0;
        while (done < buffer.length) {
            int n = in.read(buffer, done, buffer.length - done);
            if (n < 0) {
                throw new IdxFormatException(file, "truncated: file ends after " + done + " of the "
                        + buffer.length + " bytes of " + what);
            }
            done += n;
        }
    }
}
