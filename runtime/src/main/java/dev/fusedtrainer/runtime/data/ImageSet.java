package dev.fusedtrainer.runtime.data;

/** {@code count} greyscale images of {@code rows × cols} unsigned-byte pixels, row-major, back to back. */
public record ImageSet(byte[] pixels, int count, int rows, int cols) {

    public int pixelsPerImage() {
        return rows * cols;
    }
}
