package dev.fusedtrainer.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The PyTorch reference files in src/test/resources/reference (copied from the shared reference set). */
public final class ReferenceData {
    private ReferenceData() {
    }

    public static JsonNode load(String name) {
        try (InputStream in = ReferenceData.class.getResourceAsStream("/reference/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /reference/" + name);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] vector(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    /** A matrix flattened row-major. */
    public static double[] flat(JsonNode rows) {
        double[] all = new double[0];
        for (JsonNode row : rows) {
            all = Data.concat(all, vector(row));
        }
        return all;
    }
}
