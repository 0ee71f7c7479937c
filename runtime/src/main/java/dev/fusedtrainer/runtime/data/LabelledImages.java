package dev.fusedtrainer.runtime.data;

/**
 * Images with one class label each. Pixels stay as bytes (a quarter of the memory of floats) and
 * are scaled into the caller's reused float buffers by {@link #copyNormalized}.
 */
public record LabelledImages(ImageSet images, int[] labels, int classes) {

    public LabelledImages {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(images.count() + " images but " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }

    public int features() {
        return images.pixelsPerImage();
    }

    /**
     * Writes image {@code index} into {@code out[offset ..]} as {@code (pixel / 255 - mean) / std}.
     */
    public void copyNormalized(int index, float[] out, int offset, float mean, float std) {
        int n = features();
        byte[] pixels = images.pixels();
        int from = index * n;
        float scale = 1f / (255f * std);
        float shift = mean / std;
        for (int i = 0; i < n; i++) {
            out[offset + i] = (pixels[from + i] & 0xff) * scale - shift;
        }
    }

    /** The first {@code count} samples (a view sharing nothing mutable: arrays are copied). */
    public LabelledImages head(int count) {
        if (count < 1 || count > size()) {
            throw new IllegalArgumentException("head(" + count + ") of " + size() + " samples");
        }
        byte[] pixels = java.util.Arrays.copyOf(images.pixels(), count * features());
        return new LabelledImages(new ImageSet(pixels, count, images.rows(), images.cols()),
                java.util.Arrays.copyOf(labels, count), classes);
    }
}
