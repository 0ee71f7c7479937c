package dev.fusedtrainer.samples.fashion;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fusedtrainer.runtime.data.FashionMnist;
import dev.fusedtrainer.runtime.data.LabelledImages;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** The real Fashion-MNIST, loaded once per test JVM; tests are skipped, saying why, where it is absent. */
final class RealData {
    private static FashionMnist data;

    private RealData() {
    }

    static synchronized FashionMnist get() throws IOException {
        assumeTrue(FashionMnist.missingFiles(FashionMnist.DEBIAN_DIR).isEmpty(), "Fashion-MNIST not found in "
                + FashionMnist.DEBIAN_DIR + ": install it with `apt-get install dataset-fashion-mnist`");
        if (data == null) {
            data = FashionMnist.load(FashionMnist.DEBIAN_DIR);
        }
        return data;
    }

    /** Writes the first {@code train} and {@code test} samples as a Fashion-MNIST directory of .gz files. */
    static Path subsetDir(Path dir, int train, int test) throws IOException {
        FashionMnist all = get();
        write(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, all.train().head(train));
        write(dir, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, all.test().head(test));
        return dir;
    }

    private static void write(Path dir, String images, String labels, LabelledImages set) throws IOException {
        Files.createDirectories(dir);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(dir.resolve(images + ".gz"))))) {
            out.writeInt(0x803);
            out.writeInt(set.size());
            out.writeInt(set.images().rows());
            out.writeInt(set.images().cols());
            out.write(set.images().pixels());
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(dir.resolve(labels + ".gz"))))) {
            out.writeInt(0x801);
            out.writeInt(set.size());
            for (int label : set.labels()) {
                out.writeByte(label);
            }
        }
    }
}
