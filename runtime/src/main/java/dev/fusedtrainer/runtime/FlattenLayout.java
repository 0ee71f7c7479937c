package dev.fusedtrainer.runtime;

/** A flatten layer: {@code [C,H,W]} read as {@code [C·H·W]}; its output is its input's buffer (no copy). */
public record FlattenLayout(String name, int in) implements LayerLayout {
    @Override
    public int out() {
        return in;
    }

    @Override
    public String describe() {
        return name + ": flatten " + in;
    }
}
