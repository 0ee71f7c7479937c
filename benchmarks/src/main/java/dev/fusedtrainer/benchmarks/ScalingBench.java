package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.benchmarks.models.Mlp1024x3AdamOneBucketTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp1024x3AdamTrainer;
import dev.fusedtrainer.benchmarks.models.Mlp1024x3SgdTrainer;
import dev.fusedtrainer.runtime.DataParallel;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.TrainerCore;
import dev.fusedtrainer.runtime.dist.CommunicationStats;
import dev.fusedtrainer.runtime.dist.Communicator;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.FloatPointer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Data-parallel scaling, side by side in one job: every rank of an {@code mpirun} job holds a
 * distributed trainer, and rank 0 also a single-process one. Rounds alternate (order rotating) between
 * rank 0 training alone (the other ranks wait idle in a barrier) and all ranks training together, each
 * rank on its own batch of {@code --batch} samples, so both see the same machine drift.
 * Efficiency = (N-rank samples/s) / (N × one-process samples/s) = one-process step time / N-rank step
 * time. The communication statistics say how much of the reduction the backward pass hid.
 */
@Command(name = "benchmarks/run --scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run under mpirun (benchmarks/run --scaling --ranks N does): N ranks vs one process.")
public final class ScalingBench implements Callable<Integer> {
    @Option(names = "--batch", description = "Samples per rank per step (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(names = "--optimizer", description = "adam or sgd (MLP 784-3x1024-10) (default: ${DEFAULT-VALUE}).")
    String optimizer = "adam";

    @Option(names = "--schedule", description = "unfused, backward or forward (default: ${DEFAULT-VALUE}).")
    Schedule schedule = Schedule.FORWARD;

    @Option(names = "--one-bucket", description = "Adam only: the model with a single gradient bucket (one "
            + "all-reduce after backward, no overlap) instead of the default plan.")
    boolean oneBucket;

    @Option(names = "--shard", description = "ZeRO-1 sharded optimizer state in the distributed trainer.")
    boolean shard;

    @Option(names = "--threads", description = "Kernel threads per rank (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--rounds", description = "Measured rounds of each kind (default: ${DEFAULT-VALUE}).")
    int rounds = 12;

    @Option(names = "--round-ms", description = "Target length of one round (default: ${DEFAULT-VALUE}).")
    double roundMs = 400;

    @Option(names = "--transport", description = "Shown in the report: the mpirun BTLs (set by the launcher).")
    String transport = "?";

    public static void main(String[] args) {
        System.exit(new CommandLine(new ScalingBench()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    private Trainer build(Communicator comm) {
        return switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "adam" -> oneBucket ? Mlp1024x3AdamOneBucketTrainer.builder().schedule(schedule).threads(threads)
                    .maxBatch(batch).seed(7).communicator(comm).shardOptimizerState(shard && comm != null).build()
                    : Mlp1024x3AdamTrainer.builder().schedule(schedule).threads(threads).maxBatch(batch).seed(7)
                    .communicator(comm).shardOptimizerState(shard && comm != null).build();
            case "sgd" -> Mlp1024x3SgdTrainer.builder().schedule(schedule).threads(threads).maxBatch(batch).seed(7)
                    .communicator(comm).shardOptimizerState(shard && comm != null).build();
            default -> throw new IllegalArgumentException("--optimizer must be adam or sgd, got " + optimizer);
        };
    }

    @Override
    public Integer call() {
        Communicator comm = Communicator.mpi();
        int rank = comm.rank();
        int ranks = comm.size();
        SplittableRandom random = new SplittableRandom(1000 + rank);
        float[] x = new float[batch * 784];
        int[] y = new int[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextInt(10);
        }
        try (Trainer dist = build(comm); Trainer alone = build(null)) {
            // warm-up, and a step count per round from the single-process step time (rank 0's, shared)
            // every collective goes through dist's queue: see DataParallel.barrier
            DataParallel dp = ((TrainerCore) dist.state()).dataParallel();
            double singleMs = timeAlone(dp, rank == 0 ? alone : null, x, y, 10);
            timeTogether(dp, dist, x, y, 10);
            int steps = (int) Math.max(2, Math.round(roundMs / singleMs));  // rank 0's: the others' ms are 0
            steps = agree(dp, steps);
            double[] aloneMs = new double[rounds];
            double[] togetherMs = new double[rounds];
            double[] independentMs = new double[rounds];
            double[] reduceMs = new double[rounds];
            FloatPointer gradient = new FloatPointer(Mlp1024x3AdamTrainer.LAYOUT.parameterCount());
            CommunicationStats stats = CommunicationStats.NONE;
            Thread commThread = threadNamed("ft-comm-rank-" + rank);
            long commCpuNanos = 0;
            long mainCpuNanos = 0;
            for (int r = 0; r < rounds; r++) {
                for (int kind = 0; kind < 4; kind++) {
                    switch ((kind + r) % 4) {
                        case 0 -> aloneMs[r] = timeAlone(dp, rank == 0 ? alone : null, x, y, steps);
                        case 1 -> {
                            CommunicationStats before = dist.communicationStats();
                            long commCpu = cpuNanos(commThread);
                            long mainCpu = cpuNanos(Thread.currentThread());
                            togetherMs[r] = timeTogether(dp, dist, x, y, steps);
                            dp.barrier();  // the last step's reductions are in the round
                            stats = add(stats, dist.communicationStats().since(before));
                            commCpuNanos += cpuNanos(commThread) - commCpu;
                            mainCpuNanos += cpuNanos(Thread.currentThread()) - mainCpu;
                        }
                        case 2 -> independentMs[r] = timeAlone(dp, alone, x, y, steps);
                        default -> reduceMs[r] = timeReduce(dp, gradient, steps);
                    }
                }
            }
            gradient.close();
            float[][] perRank = gather(dp, comm, stats, commCpuNanos, mainCpuNanos, steps * rounds);
            if (rank == 0) {
                report(ranks, steps, aloneMs, togetherMs, independentMs, reduceMs, perRank, dist);
            }
        } finally {
            comm.close();
        }
        return 0;
    }

    private static CommunicationStats add(CommunicationStats a, CommunicationStats b) {
        return new CommunicationStats(a.collectives() + b.collectives(), a.busyNanos() + b.busyNanos(),
                a.waitedNanos() + b.waitedNanos());
    }

    /**
     * The ranks given a trainer ({@code alone} not null) train it for {@code steps} steps, each on its
     * own, while the others wait; returns ms per step (0 on a rank that waited).
     */
    private static double timeAlone(DataParallel dp, Trainer alone, float[] x, int[] y, int steps) {
        dp.barrier();
        double ms = 0;
        if (alone != null) {
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                alone.step(x, y);
            }
            ms = (System.nanoTime() - start) / 1e6 / steps;
        }
        dp.barrier();
        return ms;
    }

    /** Every rank trains its batch for {@code steps} steps; ms per step. The last step's loss is a collective. */
    private static double timeTogether(DataParallel dp, Trainer dist, float[] x, int[] y, int steps) {
        dp.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            dist.step(x, y);
        }
        return (System.nanoTime() - start) / 1e6 / steps;
    }

    /** All-reduces a whole gradient's worth of floats {@code steps} times, nothing else; ms each. */
    private static double timeReduce(DataParallel dp, FloatPointer gradient, int steps) {
        dp.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            dp.thread().allReduceSum(gradient, gradient.capacity()).await();
        }
        return (System.nanoTime() - start) / 1e6 / steps;
    }

    /** Rank 0's step count, on every rank. */
    private static int agree(DataParallel dp, int steps) {
        try (FloatPointer shared = new FloatPointer(1)) {
            shared.put(0, steps);
            dp.thread().broadcast(shared, 1, 0).await();
            return (int) shared.get(0);
        }
    }

    private static Thread threadNamed(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException("no thread " + name);
    }

    /** CPU time of a live thread (-1 where the JVM cannot measure it). */
    private static long cpuNanos(Thread t) {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(t.getId());
    }

    private static final int COLUMNS = 5;

    /**
     * Each rank's [collectives, busy ms, waited ms, communication-thread CPU ms, training-thread CPU ms] per
     * distributed step, on every rank.
     */
    private static float[][] gather(DataParallel dp, Communicator comm, CommunicationStats s, long commCpuNanos,
                                    long mainCpuNanos, int steps) {
        int n = comm.size();
        try (FloatPointer all = new FloatPointer((long) COLUMNS * n)) {
            long at = (long) COLUMNS * comm.rank();
            all.put(at, (float) s.collectives() / steps);
            all.put(at + 1, (float) (s.busyNanos() / 1e6 / steps));
            all.put(at + 2, (float) (s.waitedNanos() / 1e6 / steps));
            all.put(at + 3, (float) (commCpuNanos / 1e6 / steps));
            all.put(at + 4, (float) (mainCpuNanos / 1e6 / steps));
            dp.thread().allGather(all, COLUMNS).await();
            float[][] rows = new float[n][COLUMNS];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < COLUMNS; c++) {
                    rows[r][c] = all.get((long) COLUMNS * r + c);
                }
            }
            return rows;
        }
    }

    private void report(int ranks, int steps, double[] aloneMs, double[] togetherMs, double[] independentMs,
                        double[] reduceMs, float[][] perRank, Trainer dist) {
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = aloneMs[r] / togetherMs[r];
        }
        double alone = median(aloneMs);
        double together = median(togetherMs);
        double single = batch * 1000 / alone;
        double scaled = ranks * batch * 1000 / together;
        double[] sortedRatio = ratio.clone();
        Arrays.sort(sortedRatio);
        System.out.printf(Locale.ROOT, "# scaling: MLP 784-3x1024-10 %s, %s%s, %d thread(s) per rank, batch %d per "
                        + "rank, %d ranks, transport %s, %d rounds x %d steps of each%n", optimizer, schedule,
                shard ? " sharded (ZeRO-1)" : " all-reduce", threads, batch, ranks, transport, rounds, steps);
        System.out.printf(Locale.ROOT, "| run | step ms (median) | samples/s |%n|---|---|---|%n");
        System.out.printf(Locale.ROOT, "| 1 process x %d thread | %.2f | %,.0f |%n", threads, alone, single);
        System.out.printf(Locale.ROOT, "| %d ranks x %d thread | %.2f | %,.0f |%n", ranks, threads, together, scaled);
        double independent = median(independentMs);
        System.out.printf(Locale.ROOT, "| %d independent processes x %d thread, no communication (rank 0) | %.2f | %,.0f |%n",
                ranks, threads, independent, ranks * batch * 1000 / independent);
        System.out.printf(Locale.ROOT, "scaling efficiency: %.1f%% (median of per-round ratios; min %.1f%%, max %.1f%%)%n",
                100 * median(ratio), 100 * sortedRatio[0], 100 * sortedRatio[rounds - 1]);
        System.out.printf(Locale.ROOT, "all-reduce of the whole gradient alone (no compute): %.2f ms%n", median(reduceMs));
        System.out.printf(Locale.ROOT, "machine ceiling (independent processes, no communication): %.1f%%%n",
                100 * alone / independent);
        List<String> hidden = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            float busy = perRank[r][1];
            float waited = perRank[r][2];
            hidden.add(String.format(Locale.ROOT, "rank %d: %.1f collectives, %.2f ms in collectives, %.2f ms waited "
                    + "-> %.0f%% hidden; CPU: communication thread %.2f ms, training thread %.2f ms", r, perRank[r][0],
                    busy, waited, 100 * (1 - waited / busy), perRank[r][3], perRank[r][4]));
        }
        System.out.println("per step: " + String.join("; ", hidden));
        System.out.printf(Locale.ROOT, "gradient buckets: %d (%,d floats in all)%n",
                ((TrainerCore) dist.state()).dataParallel().plan().size(), Mlp1024x3AdamTrainer.LAYOUT.parameterCount());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return Stats.median(sorted);
    }
}
