package dev.fusedtrainer.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IDX reader on the real Fashion-MNIST files and on damaged copies of them. Tests that need the
 * real files are skipped, saying why, where the Debian package {@code dataset-fashion-mnist} is not
 * installed ({@code .ci/run} installs it).
 */
class IdxReaderTest {
    private static final Path REAL = FashionMnist.DEBIAN_DIR;

    @TempDir
    Path temp;

    @BeforeAll
    static void requireRealFiles() {
        assumeTrue(FashionMnist.missingFiles(REAL).isEmpty(),
                "Fashion-MNIST not found in " + REAL + ": install it with `apt-get install dataset-fashion-mnist`");
    }

    private static byte[] gunzip(Path gz) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = temp.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private Path gzip(String name, byte[] bytes) throws IOException {
        Path file = temp.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
        return file;
    }

    private static String message(IdxFormatException e) {
        return e.getMessage();
    }

    @Test
    void readsTheRealFilesWithTheirPublishedShapes() throws IOException {
        FashionMnist data = FashionMnist.load(REAL);
        assertEquals(60_000, data.train().size());
        assertEquals(10_000, data.test().size());
        assertEquals(784, data.train().features());
        // Every class appears exactly 6,000 times in training and 1,000 times in the test set.
        int[] counts = new int[10];
        for (int label : data.train().labels()) {
            counts[label]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 6000);
        assertEquals(Arrays.toString(expected), Arrays.toString(counts));
        // Published first test labels: ankle boot, pullover, trouser, trouser, shirt.
        assertEquals("[9, 2, 1, 1, 6]", Arrays.toString(Arrays.copyOf(data.test().labels(), 5)));
    }

    @Test
    void readsRawAndGzipAlike() throws IOException {
        byte[] raw = gunzip(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        int[] fromRaw = IdxReader.readLabels(write("labels", raw), 10);
        int[] fromGzip = IdxReader.readLabels(REAL.resolve("t10k-labels-idx1-ubyte.gz"), 10);
        assertTrue(Arrays.equals(fromRaw, fromGzip));
    }

    @Test
    void truncatedRawFileIsRefusedNamingFileAndShortfall() throws IOException {
        byte[] raw = gunzip(REAL.resolve("t10k-images-idx3-ubyte.gz"));
        Path file = write("t10k-images-idx3-ubyte", Arrays.copyOf(raw, raw.length - 100));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertTrue(message(e).startsWith(file.toString()), message(e));
        assertTrue(message(e).contains("truncated"), message(e));
        assertTrue(message(e).contains((raw.length - 16 - 100) + " of the 7840000"), message(e));
    }

    @Test
    void truncatedGzipFileIsRefused() throws IOException {
        byte[] gz = Files.readAllBytes(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        Path file = write("t10k-labels-idx1-ubyte.gz", Arrays.copyOf(gz, gz.length / 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertTrue(message(e).startsWith(file.toString()) && message(e).contains("truncated"), message(e));
    }

    @Test
    void corruptedGzipFileIsRefused() throws IOException {
        byte[] gz = Files.readAllBytes(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        for (int i = 100; i < 200; i++) {
            gz[i] ^= 0x5a;
        }
        Path file = write("t10k-labels-idx1-ubyte.gz", gz);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertTrue(message(e).startsWith(file.toString()) && message(e).contains("gzip"), message(e));
    }

    @Test
    void wrongMagicNumberIsRefused() throws IOException {
        byte[] raw = gunzip(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        raw[2] = 0x0d;  // type "float"
        Path file = gzip("t10k-labels-idx1-ubyte.gz", raw);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertTrue(message(e).contains("bad magic number 0x00000D01, expected 0x00000801"), message(e));
    }

    @Test
    void swappedImageAndLabelFilesAreRecognised() {
        Path labels = REAL.resolve("t10k-labels-idx1-ubyte.gz");
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(labels));
        assertTrue(message(e).contains("rank-1 file, are image and label files swapped?"), message(e));
    }

    @Test
    void labelOutOfRangeIsRefusedWithItsIndex() throws IOException {
        byte[] raw = gunzip(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        raw[8 + 1234] = 10;
        Path file = gzip("labels.gz", raw);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertTrue(message(e).contains("label 10 at index 1234 is outside [0, 10)"), message(e));
    }

    @Test
    void dimensionThatDisagreesWithLengthIsRefused() throws IOException {
        byte[] raw = gunzip(REAL.resolve("t10k-labels-idx1-ubyte.gz"));
        raw[6] = 0x28;  // count 10000 (0x2710) -> 0x2810: more labels claimed than stored
        Path file = gzip("labels.gz", raw);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertTrue(message(e).contains("truncated"), message(e));
        raw[6] = 0x00;  // fewer claimed than stored
        Path shorter = gzip("labels2.gz", raw);
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(shorter, 10));
        assertTrue(message(e).contains("trailing bytes"), message(e));
    }

    @Test
    void labelFileOfAnotherSplitIsRefusedAsMismatched() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("mixed"));
        for (String name : FashionMnist.FILES) {
            Files.copy(REAL.resolve(name + ".gz"), dir.resolve(name + ".gz"));
        }
        Files.copy(REAL.resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.load(dir));
        assertTrue(message(e).contains("train-labels-idx1-ubyte.gz: 10000 labels do not match the 60000 images"),
                message(e));
    }

    @Test
    void missingFilesAreListed() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("partial"));
        Files.copy(REAL.resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(java.util.List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz"), FashionMnist.missingFiles(dir));
    }
}
