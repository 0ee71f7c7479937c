package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;

/**
 * One 2-D convolution as the generated trainer lays it out: {@code W[filters][channels][kernel][kernel]} then
 * {@code b[filters]}, contiguous (PyTorch's {@code nn.Conv2d} layout); input {@code [channels, height, width]}.
 */
public record Conv2dLayout(String name, int channels, int height, int width, int filters, int kernel, int stride,
                           int padding, Activation activation, float negativeSlope, OptimizerConfig optimizer)
        implements LayerLayout {

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
        return filters * outHeight() * outWidth();
    }

    @Override
    public long parameterCount() {
        return (long) filters * fanIn() + filters;
    }

    @Override
    public int fanIn() {
        return channels * kernel * kernel;
    }

    @Override
    public ParameterInfo weightInfo() {
        return new ParameterInfo(name + ".weight", filters, fanIn());
    }

    @Override
    public String describe() {
        return name + ": conv W[" + filters + "," + channels + "," + kernel + "," + kernel + "] b[" + filters + "] on ["
                + channels + "," + height + "," + width + "] stride " + stride + " padding " + padding + " " + activation
                + " " + optimizer;
    }
}
