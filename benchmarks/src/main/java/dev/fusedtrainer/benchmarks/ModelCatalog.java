package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.benchmarks.models.Mlp1024x3AdamTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp1024x3SgdTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp2048x3AdamTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp2048x3SgdTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp256x3AdamTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp256x3SgdTrainer;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark models. Trainers are generated at compile time, so each (width, depth, optimizer)
 * the runner can measure is an annotated class in {@code benchmarks.models}; this catalogue maps
 * the runner's options onto their generated builders.
 */
public final class ModelCatalog {

    /** The two update rules of the matrix, named as on the command line. */
    public enum OptimizerChoice {
        SGD_MOMENTUM("sgd-momentum", "SGD momentum 0.9, lr 0.01"),
        ADAM("adam", "Adam lr 1e-3");

        public final String cliName;
        public final String description;

        OptimizerChoice(String cliName, String description) {
            this.cliName = cliName;
            this.description = description;
        }

        public static OptimizerChoice parse(String text) {
            for (OptimizerChoice o : values()) {
                if (o.cliName.equalsIgnoreCase(text) || o.name().equalsIgnoreCase(text)
                        || (o == SGD_MOMENTUM && text.equalsIgnoreCase("sgd"))) {
                    return o;
                }
            }
            throw new IllegalArgumentException("unknown optimizer '" + text + "'; use sgd-momentum or adam");
        }
    }

    /** Builds a trainer of one model for a device, schedule, thread count and largest batch. */
    @FunctionalInterface
    public interface Factory {
        Trainer build(Device device, Schedule schedule, int threads, int maxBatch, long seed);

        /** On the CPU, where the step-time runner measures. */
        default Trainer build(Schedule schedule, int threads, int maxBatch, long seed) {
            return build(Device.cpu(), schedule, threads, maxBatch, seed);
        }
    }

    public record Entry(int width, int depth, OptimizerChoice optimizer, String className, Factory factory) {
        public String key() {
            return ModelCatalog.key(width, depth, optimizer);
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        add(256, 3, OptimizerChoice.SGD_MOMENTUM, "Mlp256x3Sgd", (d, s, t, b, seed) ->
                Mlp256x3SgdTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
        add(256, 3, OptimizerChoice.ADAM, "Mlp256x3Adam", (d, s, t, b, seed) ->
                Mlp256x3AdamTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
        add(1024, 3, OptimizerChoice.SGD_MOMENTUM, "Mlp1024x3Sgd", (d, s, t, b, seed) ->
                Mlp1024x3SgdTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
        add(1024, 3, OptimizerChoice.ADAM, "Mlp1024x3Adam", (d, s, t, b, seed) ->
                Mlp1024x3AdamTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
        add(2048, 3, OptimizerChoice.SGD_MOMENTUM, "Mlp2048x3Sgd", (d, s, t, b, seed) ->
                Mlp2048x3SgdTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
        add(2048, 3, OptimizerChoice.ADAM, "Mlp2048x3Adam", (d, s, t, b, seed) ->
                Mlp2048x3AdamTrainer.builder().device(d).schedule(s).threads(t).maxBatch(b).seed(seed).build());
    }

    private ModelCatalog() {
    }

    private static void add(int width, int depth, OptimizerChoice optimizer, String className, Factory factory) {
        ENTRIES.put(key(width, depth, optimizer), new Entry(width, depth, optimizer, className, factory));
    }

    private static String key(int width, int depth, OptimizerChoice optimizer) {
        return width + "x" + depth + "/" + optimizer.cliName;
    }

    public static List<Entry> entries() {
        return new ArrayList<>(ENTRIES.values());
    }

    /** The model for these options, or an error that lists every model that exists. */
    public static Entry lookup(int width, int depth, OptimizerChoice optimizer) {
        Entry e = ENTRIES.get(key(width, depth, optimizer));
        if (e == null) {
            StringBuilder text = new StringBuilder("no benchmark model for width " + width + ", depth " + depth
                    + ", optimizer " + optimizer.cliName + ". Models are compile-time classes; these exist:\n");
            for (Entry x : ENTRIES.values()) {
                text.append("  --width ").append(x.width).append(" --depth ").append(x.depth)
                        .append(" --optimizer ").append(x.optimizer.cliName).append("   (").append(x.className)
                        .append(")\n");
            }
            text.append("Add another by writing an annotated class in benchmarks/src/main/java/dev/fusedtrainer/"
                    + "benchmarks/models and registering it in ModelCatalog.");
            throw new IllegalArgumentException(text.toString());
        }
        return e;
    }

    /** Weights per layer (out × in) for an MLP 784 → depth × width → 10. */
    public static long[][] layerShapes(int width, int depth) {
        long[][] shapes = new long[depth + 1][];
        long in = 784;
        for (int i = 0; i < depth; i++) {
            shapes[i] = new long[] {width, in};
            in = width;
        }
        shapes[depth] = new long[] {10, in};
        return shapes;
    }

    /** Parameters (weights and biases) of an MLP 784 → depth × width → 10. */
    public static long parameterCount(int width, int depth) {
        long n = 0;
        for (long[] s : layerShapes(width, depth)) {
            n += s[0] * s[1] + s[0];
        }
        return n;
    }

    /**
     * Multiply-add FLOPs of one training step's matrix products (2 per multiply-add): forward
     * x·Wᵀ, the weight gradient dzᵀ·x, and the input gradient dz·W for every layer but the first.
     */
    public static double stepMatmulFlops(int width, int depth, int batch) {
        long[][] shapes = layerShapes(width, depth);
        double flops = 0;
        for (int i = 0; i < shapes.length; i++) {
            double weights = (double) shapes[i][0] * shapes[i][1];
            flops += 2.0 * batch * weights * (i == 0 ? 2 : 3);
        }
        return flops;
    }
}
