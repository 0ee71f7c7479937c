package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times full training steps (forward, backward, update) of one model under every schedule, side by
 * side: one trainer per schedule, and each round runs every schedule once (k steps each, in an
 * order that rotates from round to round) so that machine drift and neighbours' load fall on all
 * schedules alike. Warm-up first (JIT, page faults, OpenBLAS thread start, cache state).
 */
public final class StepBench {

    /**
     * How long to measure, in milliseconds: warm-up, then rounds of about {@code roundMs} each
     * until both {@code minRounds} and {@code measureMs} are reached. Slow configurations (seconds
     * per step) stop after {@code capMs} once they have {@code floorRounds}, so a matrix fits in
     * minutes.
     */
    public record Budget(double warmupMs, double roundMs, int minRounds, int maxRounds, double measureMs,
                         int floorRounds, double capMs) {
        public static Budget standard() {
            return new Budget(400, 30, 9, 60, 1500, 5, 8000);
        }

        public static Budget quick() {
            return new Budget(20, 2, 3, 3, 10, 3, 10);
        }

        boolean more(int rounds, double elapsedMs) {
            if (rounds >= maxRounds) {
                return false;
            }
            if (rounds < Math.min(floorRounds, minRounds)) {
                return true;
            }
            if (elapsedMs >= capMs) {
                return false;
            }
            return rounds < minRounds || elapsedMs < measureMs;
        }
    }

    public record Config(int width, int depth, int batch, ModelCatalog.OptimizerChoice optimizer, int threads) {
        public String label() {
            return "w" + width + " d" + depth + " b" + batch + " " + optimizer.cliName + " t" + threads;
        }
    }

    private StepBench() {
    }

    private static double[] roundOf(TorchPeer torch, int k) {
        try {
            return torch.round(k);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Step times per schedule, and the forward pass alone ({@code predict} on the UNFUSED
     * trainer, timed in the same rounds) to split a step into forward and the rest.
     */
    public record Result(Map<Schedule, Stats> steps, Stats forwardOnly, TorchPeer.Result torch) {
    }

    /** Without the PyTorch peer. */
    public static Result run(Config config, Budget budget) {
        return run(config, budget, null);
    }

    /**
     * With {@code torch} non-null, PyTorch's two variants take one more slot of every round (k'
     * steps each, k' sized for PyTorch's own step time), so they share the rounds' drift too.
     */
    static Result run(Config config, Budget budget, TorchPeer torch) {
        ModelCatalog.Entry model = ModelCatalog.lookup(config.width(), config.depth(), config.optimizer());
        Schedule[] schedules = Schedule.values();
        Map<Schedule, Trainer> trainers = new EnumMap<>(Schedule.class);
        try {
            for (Schedule s : schedules) {
                trainers.put(s, model.factory().build(s, config.threads(), config.batch(), 42));
            }
            SplittableRandom random = new SplittableRandom(1234);
            float[] x = new float[config.batch() * 784];
            int[] y = new int[config.batch()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextDouble();
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = random.nextInt(10);
            }

            // Warm-up, round-robin, and a first estimate of each schedule's step time.
            double[] estimateMs = new double[schedules.length];
            long warmupEnd = System.nanoTime() + (long) (budget.warmupMs() * 1e6);
            int warmSteps = 0;
            do {
                for (int i = 0; i < schedules.length; i++) {
                    long t0 = System.nanoTime();
                    trainers.get(schedules[i]).step(x, y);
                    estimateMs[i] = (System.nanoTime() - t0) / 1e6;
                }
                warmSteps++;
            } while (System.nanoTime() < warmupEnd || warmSteps < 2);

            // Steps per round: the same k for every schedule, so each round is one comparable sample.
            double slowest = Math.max(Math.max(estimateMs[0], estimateMs[1]), estimateMs[2]);
            int k = (int) Math.max(1, Math.ceil(budget.roundMs() / Math.max(slowest, 1e-3)));

            int kTorch = 0;
            String torchError = null;
            if (torch != null) {
                try {
                    double estimate = torch.setup(config, budget.warmupMs());
                    kTorch = (int) Math.max(1, Math.ceil(budget.roundMs() / Math.max(estimate, 1e-3)));
                } catch (java.io.IOException e) {
                    torchError = e.getMessage();
                }
            }
            boolean withTorch = kTorch > 0;
            double[][] torchSamples = new double[2][budget.maxRounds()];
            int slots = schedules.length + 1 + (withTorch ? 1 : 0);  // + forward only (+ PyTorch)
            float[] logits = new float[config.batch() * 10];
            double[][] samples = new double[slots][budget.maxRounds()];
            int rounds = 0;
            long measureStart = System.nanoTime();
            while (budget.more(rounds, (System.nanoTime() - measureStart) / 1e6)) {
                for (int j = 0; j < slots; j++) {
                    int i = (j + rounds) % slots;
                    long t0 = System.nanoTime();
                    if (i == schedules.length + 1) {
                        double[] perStep = roundOf(torch, kTorch);
                        torchSamples[0][rounds] = perStep[0];
                        torchSamples[1][rounds] = perStep[1];
                        continue;
                    }
                    if (i < schedules.length) {
                        Trainer t = trainers.get(schedules[i]);
                        for (int s = 0; s < k; s++) {
                            t.step(x, y);
                        }
                    } else {
                        Trainer t = trainers.get(Schedule.UNFUSED);
                        for (int s = 0; s < k; s++) {
                            t.predict(x, logits);
                        }
                    }
                    samples[i][rounds] = (System.nanoTime() - t0) / 1e6 / k;
                }
                rounds++;
            }
            Map<Schedule, Stats> result = new EnumMap<>(Schedule.class);
            for (int i = 0; i < schedules.length; i++) {
                result.put(schedules[i], Stats.of(java.util.Arrays.copyOf(samples[i], rounds), (long) rounds * k));
            }
            TorchPeer.Result torchResult = null;
            if (withTorch) {
                Stats std = Stats.of(java.util.Arrays.copyOf(torchSamples[0], rounds), (long) rounds * kTorch);
                Stats inb = Stats.of(java.util.Arrays.copyOf(torchSamples[1], rounds), (long) rounds * kTorch);
                torchResult = new TorchPeer.Result(new TorchPeer.Timing(std.medianMs(), std.minMs(), std.maxMs()),
                        new TorchPeer.Timing(inb.medianMs(), inb.minMs(), inb.maxMs()), null);
                try {
                    torch.done();
                } catch (java.io.IOException e) {
                    torchResult = new TorchPeer.Result(null, null, e.getMessage());
                }
            } else if (torchError != null) {
                torchResult = new TorchPeer.Result(null, null, torchError);
            }
            return new Result(result, Stats.of(java.util.Arrays.copyOf(samples[schedules.length], rounds),
                    (long) rounds * k), torchResult);
        } finally {
            for (Trainer t : trainers.values()) {
                t.close();
            }
        }
    }
}
