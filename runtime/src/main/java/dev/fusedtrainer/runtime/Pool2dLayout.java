package dev.fusedtrainer.runtime;

/** One 2-D pooling layer over {@code [channels, height, width]}; no parameters. */
public record Pool2dLayout(String name, Mode mode, int channels, int height, int width, int kernel, int stride,
                           int padding) implements LayerLayout {

    /** What a window computes. */
    public enum Mode { MAX, AVERAGE }

    public int outHeight() {
        return LayerLayout.windowsAlong(height, kernel, stride, padding);
    }

    public int outWidth() {
        return LayerLayout.windowsAlong(width, kernel, stride, padding);
    }

    @Override
    public int in() {
        return channels * height * width;
    }

    @Override
    public int out() {
        return channels * outHeight() * outWidth();
    }

    @Override
    public String describe() {
        return name + ": " + mode + " pool " + kernel + "x" + kernel + " stride " + stride + " padding " + padding
                + " on [" + channels + "," + height + "," + width + "]";
    }
}
