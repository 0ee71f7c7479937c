package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.benchmarks.models.Cnn32x64AdamTrainer;
import dev.fusedtrainer.runtime.Trainer;
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
        Map<Schedule, List<Double>> perStepMs;
        try {
            Map<Schedule, Runnable> steps = new EnumMap<>(Schedule.class);
            for (Schedule s : Schedule.values()) {
                Trainer t = Cnn32x64AdamTrainer.builder().schedule(s).threads(threads).maxBatch(batch).seed(3).build();
                trainers.put(s, t);
                steps.put(s, () -> t.step(x, y));
            }
            perStepMs = RotatingRounds.time(steps, Math.max(3, this.steps / 2), rounds, this.steps);
        } finally {
            trainers.values().forEach(Trainer::close);
        }
        System.out.printf(Locale.ROOT, "CNN 1x28x28 -> conv 3x3x32 + max pool -> conv 3x3x64 + max pool -> 3136-128-10, "
                + "Adam; batch %d, %d thread(s), %d rounds x %d steps, rotating%n%n", batch, threads, rounds, steps);
        System.out.println("| schedule | median ms/step | min | max | samples/s | vs UNFUSED |");
        System.out.println("|---|---|---|---|---|---|");
        double unfused = RotatingRounds.median(perStepMs.get(Schedule.UNFUSED));
        for (Schedule s : Schedule.values()) {
            List<Double> ms = perStepMs.get(s);
            double median = RotatingRounds.median(ms);
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.0f | %.3f |%n", s, median,
                    RotatingRounds.min(ms), RotatingRounds.max(ms), batch * 1000 / median, median / unfused);
        }
        return 0;
    }
}
