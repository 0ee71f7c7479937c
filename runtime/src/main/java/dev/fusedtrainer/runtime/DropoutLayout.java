package dev.fusedtrainer.runtime;

/** A dropout layer over {@code in} floats per sample; no parameters, one mask buffer. */
public record DropoutLayout(String name, int in, double rate) implements LayerLayout {
    @Override
    public int out() {
        return in;
    }

    @Override
    public String describe() {
        return name + ": dropout " + rate + " of " + in;
    }
}
