package dev.fusedtrainer.runtime.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) from its four standard IDX files, gzip-compressed
 * ({@code *.gz}) or raw. 60,000 training and 10,000 test images of 28×28 pixels, 10 classes.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String DEBIAN_PACKAGE = "dataset-fashion-mnist";
    public static final int CLASSES = 10;
    public static final int ROWS = 28;
    public static final int COLS = 28;
    /** Mean and standard deviation of the training pixels scaled to [0, 1]. */
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;

    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    public static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    private final LabelledImages train;
    private final LabelledImages test;

    private FashionMnist(LabelledImages train, LabelledImages test) {
        this.train = train;
        this.test = test;
    }

    public LabelledImages train() {
        return train;
    }

    public LabelledImages test() {
        return test;
    }

    /** The standard files that {@code dir} lacks (neither {@code name} nor {@code name.gz} exists). */
    public static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String name : FILES) {
            if (find(dir, name) == null) {
                missing.add(name + ".gz");
            }
        }
        return missing;
    }

    /** Loads and validates both splits from {@code dir}. */
    public static FashionMnist load(Path dir) throws IOException {
        List<String> missing = missingFiles(dir);
        if (!missing.isEmpty()) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null,
                    "Fashion-MNIST files missing: " + String.join(", ", missing));
        }
        return new FashionMnist(split(dir, TRAIN_IMAGES, TRAIN_LABELS), split(dir, TEST_IMAGES, TEST_LABELS));
    }

    private static LabelledImages split(Path dir, String imagesName, String labelsName) throws IOException {
        Path imagesFile = find(dir, imagesName);
        Path labelsFile = find(dir, labelsName);
        ImageSet images = IdxReader.readImages(imagesFile);
        if (images.rows() != ROWS || images.cols() != COLS) {
            throw new IdxFormatException(imagesFile, "images are " + images.rows() + "x" + images.cols()
                    + ", Fashion-MNIST's are " + ROWS + "x" + COLS);
        }
        int[] labels = IdxReader.readLabels(labelsFile, CLASSES);
        if (labels.length != images.count()) {
            throw new IdxFormatException(labelsFile, labels.length + " labels do not match the " + images.count()
                    + " images of " + imagesFile.getFileName());
        }
        return new LabelledImages(images, labels, CLASSES);
    }

    private static Path find(Path dir, String name) {
        for (Path candidate : List.of(dir.resolve(name + ".gz"), dir.resolve(name))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
