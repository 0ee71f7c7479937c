package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Loss;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The static shape of a model, emitted by the processor into each generated trainer. */
public record ModelLayout(String modelName, int inputSize, Loss loss, List<LayerLayout> layers) {

    public ModelLayout {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(modelName + " has no layers");
        }
    }

    public int outputSize() {
        return layers.get(layers.size() - 1).out();
    }

    public long parameterCount() {
        long n = 0;
        for (LayerLayout layer : layers) {
            n += layer.parameterCount();
        }
        return n;
    }

    /** Offset of a layer's block in the flat parameter array. */
    public long offsetOf(int layer) {
        long offset = 0;
        for (int i = 0; i < layer; i++) {
            offset += layers.get(i).parameterCount();
        }
        return offset;
    }

    /** SHA-256 over everything that must match for saved state to be meaningful. */
    public String fingerprint() {
        StringBuilder text = new StringBuilder(modelName).append('|').append(inputSize).append('|').append(loss);
        for (LayerLayout layer : layers) {
            text.append('|').append(layer.describe());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
