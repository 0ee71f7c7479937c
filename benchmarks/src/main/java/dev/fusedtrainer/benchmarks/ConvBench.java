package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.benchmarks.models.Cnn32x64AdamTrainer;
import dev.fusedtrainer.runtime.Trainer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The convolutional configuration ({@code benchmarks/run --conv}): the training step of the Fashion-MNIST
 * CNN (conv 3x3x32 + pool, conv 3x3x64 + pool, 3136-128-10, Adam) under each schedule, in rotating rounds
 * so that the machine's drift hits every schedule alike; reported as medians and as ratios to UNFUSED
 * measured side by side in this one run.
 */
@Command(name = "conv-bench", mixinStandardHelpOptions = true,
        description = "Times the CNN training step under UNFUSED, BACKWARD and FORWARD, side by side.")
public final class ConvBench implements Callable<Integer> {
    @Option(names = "--batch", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--threads", description = "Kernel threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--rounds", description = "Measured rounds per schedule (default: ${DEFAULT-VALUE}).")
    int rounds = 8;

    @Option(names = "--steps", description = "Steps per round (default: ${DEFAULT-VALUE}).")
    int steps = 10;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ConvBench()).execute(args));
    }

    @Override
    public Integer call() {
        if (batch < 1 || threads < 1 || rounds < 1 || steps < 1) {
            throw new IllegalArgumentException("--batch, --threads, --rounds and --steps must be >= 1");
        }
        SplittableRandom random = new SplittableRandom(11);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        int[] y = random.ints(batch, 0, 10).toArray();
        Map<Schedule, Trainer> trainers = new EnumMap<>(Schedule.class);
        Map<Schedule, List<Double>> perStepMs = new EnumMap<>(Schedule.class);
        try {
            for (Schedule s : Schedule.values()) {
                Trainer t = Cnn32x64AdamTrainer.builder().schedule(s).threads(threads).maxBatch(batch).seed(3).build();
                trainers.put(s, t);
                perStepMs.put(s, new ArrayList<>());
                for (int i = 0; i < Math.max(3, steps / 2); i++) {
                    t.step(x, y);  // warm-up: caches, page faults, the JIT
                }
            }
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < Schedule.values().length; k++) {
                    Schedule s = Schedule.values()[(round + k) % Schedule.values().length];  // rotate the order
                    Trainer t = trainers.get(s);
                    long start = System.nanoTime();
                    for (int i = 0; i < steps; i++) {
                        t.step(x, y);
                    }
                    perStepMs.get(s).add((System.nanoTime() - start) / 1e6 / steps);
                }
            }
        } finally {
            trainers.values().forEach(Trainer::close);
        }
        System.out.printf(Locale.ROOT, "CNN 1x28x28 -> conv 3x3x32 + max pool -> conv 3x3x64 + max pool -> 3136-128-10, "
                + "Adam; batch %d, %d thread(s), %d rounds x %d steps, rotating%n%n", batch, threads, rounds, steps);
        System.out.println("| schedule | median ms/step | min | max | samples/s | vs UNFUSED |");
        System.out.println("|---|---|---|---|---|---|");
        double unfused = median(perStepMs.get(Schedule.UNFUSED));
        for (Schedule s : Schedule.values()) {
            List<Double> ms = perStepMs.get(s);
            double median = median(ms);
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.0f | %.3f |%n", s, median,
                    ms.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    ms.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), batch * 1000 / median,
                    median / unfused);
        }
        return 0;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
