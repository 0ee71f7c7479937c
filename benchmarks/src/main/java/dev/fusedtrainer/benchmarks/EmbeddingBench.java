package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.benchmarks.models.Ranking_Vocabulary10kTrainer;
import dev.fusedtrainer.benchmarks.models.Ranking_Vocabulary1mTrainer;
import dev.fusedtrainer.runtime.Trainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedding configuration ({@code benchmarks/run --embedding}): a click model's training step (4 ids per
 * sample, 32-float rows, 128 ReLU units; Adam) under each schedule, with a table of 10 thousand and of 1 million
 * rows, all six side by side in rotating rounds. Sparse updates touch only the rows a batch looks up, so the two
 * vocabularies should cost the same; a dense update of the 1M-row table would read and write its 32 M parameters,
 * gradients and two Adam moments every step (about 0.5 GB, tens of milliseconds here).
 */
@Command(name = "embedding-bench", mixinStandardHelpOptions = true,
        description = "Times the embedding model's step at two vocabularies under every schedule, side by side.")
public final class EmbeddingBench implements Callable<Integer> {
    @Option(names = "--batch", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--threads", description = "Kernel threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--rounds", description = "Measured rounds per contender (default: ${DEFAULT-VALUE}).")
    int rounds = 9;

    @Option(names = "--steps", description = "Steps per round (default: ${DEFAULT-VALUE}).")
    int steps = 200;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EmbeddingBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || threads < 1 || rounds < 1 || steps < 1) {
            throw new IllegalArgumentException("--batch, --threads, --rounds and --steps must be >= 1");
        }
        Map<String, Trainer> trainers = new LinkedHashMap<>();
        Map<String, List<Double>> perStepMs;
        try {
            Map<String, Runnable> contenders = new LinkedHashMap<>();
            for (int vocabulary : new int[] {10_000, 1_000_000}) {
                // ids spread over the whole table: the batch's rows are scattered in memory, as in real traffic
                SplittableRandom random = new SplittableRandom(vocabulary);
                float[] ids = new float[batch * 4];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = random.nextInt(vocabulary);
                }
                float[] clicks = new float[batch];
                for (int i = 0; i < clicks.length; i++) {
                    clicks[i] = random.nextInt(2);
                }
                for (Schedule s : Schedule.values()) {
                    Trainer t = vocabulary == 10_000
                            ? Ranking_Vocabulary10kTrainer.builder().schedule(s).threads(threads).maxBatch(batch).build()
                            : Ranking_Vocabulary1mTrainer.builder().schedule(s).threads(threads).maxBatch(batch).build();
                    String name = (vocabulary == 10_000 ? "10k" : "1M") + " " + s;
                    trainers.put(name, t);
                    contenders.put(name, () -> t.step(ids, clicks));
                }
            }
            perStepMs = RotatingRounds.time(contenders, Math.max(20, steps / 4), rounds, steps);
        } finally {
            trainers.values().forEach(Trainer::close);
        }
        System.out.printf(Locale.ROOT, "Embedding 4 ids x 32 -> 128 ReLU -> 1 logit, Adam; batch %d, %d thread(s), "
                + "%d rounds x %d steps, rotating%n%n", batch, threads, rounds, steps);
        System.out.println("| vocabulary | schedule | median ms/step | min | max | samples/s | vs 10k, same schedule |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Double>> e : perStepMs.entrySet()) {
            String[] parts = e.getKey().split(" ");
            double median = RotatingRounds.median(e.getValue());
            double small = RotatingRounds.median(perStepMs.get("10k " + parts[1]));
            System.out.printf(Locale.ROOT, "| %s | %s | %.4f | %.4f | %.4f | %.0f | %.2f |%n", parts[0], parts[1], median,
                    RotatingRounds.min(e.getValue()), RotatingRounds.max(e.getValue()), batch * 1000 / median,
                    median / small);
        }
        return 0;
    }
}
