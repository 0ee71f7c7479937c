package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Step time of the depth-3 benchmark MLPs ({@code models.Mlp<width>x3<Optimizer>}, as in the step-time runner), schedules side by
 * side. Prints one line per (width, optimizer, batch, schedule): median and minimum microseconds
 * per step over {@code --rounds} rounds of {@code --steps} steps, after a warm-up.
 *
 * <pre>
 * java -cp ... dev.fusedtrainer.benchmarks.StepTime --device cpu --widths 1024 --batches 1,16 \
 *     --optimizers Adam --schedules UNFUSED,BACKWARD,FORWARD --threads 1
 * </pre>
 */
public final class StepTime {

    private StepTime() {
    }

    public static void main(String[] args) throws Exception {
        String device = "cpu";
        int[] widths = {256, 1024, 2048};
        int[] batches = {1, 16, 128};
        String[] optimizers = {"Adam", "SgdMomentum"};
        Schedule[] schedules = Schedule.values();
        int threads = 1;
        int steps = 0;   // 0: chosen per shape so that a round takes about --round-ms
        int rounds = 7;
        int roundMillis = 200;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--device" -> { device = value; i++; }
                case "--widths" -> { widths = ints(value); i++; }
                case "--batches" -> { batches = ints(value); i++; }
                case "--optimizers" -> { optimizers = value.split(","); i++; }
                case "--schedules" -> { schedules = Arrays.stream(value.split(",")).map(Schedule::valueOf)
                        .toArray(Schedule[]::new); i++; }
                case "--threads" -> { threads = Integer.parseInt(value); i++; }
                case "--steps" -> { steps = Integer.parseInt(value); i++; }
                case "--rounds" -> { rounds = Integer.parseInt(value); i++; }
                case "--round-ms" -> { roundMillis = Integer.parseInt(value); i++; }
                case "--help", "-h" -> { usage(); return; }
                default -> { System.err.println("unknown option " + args[i]); usage(); System.exit(2); }
            }
        }
        Device dev = Device.parse(device);
        System.out.printf(Locale.ROOT, "# device=%s threads=%d rounds=%d java=%s cuda.overlap=%s%n", dev, threads,
                rounds, System.getProperty("java.version"), System.getProperty("fusedtrainer.cuda.overlap", "true"));
        System.out.println("device\twidth\toptimizer\tbatch\tschedule\tmedian_us\tmin_us\tsteps_per_round");
        for (int width : widths) {
            for (String optimizer : optimizers) {
                for (int batch : batches) {
                    for (Schedule schedule : schedules) {
                        measure(dev, width, optimizer, batch, schedule, threads, steps, rounds, roundMillis);
                    }
                }
            }
        }
    }

    private static void measure(Device device, int width, String optimizer, int batch, Schedule schedule,
                                int threads, int stepsWanted, int rounds, int roundMillis) throws Exception {
        // The step-time runner's models (BenchmarkRunner): 784 → 3 × width ReLU → 10, softmax cross-entropy.
        ModelCatalog.Entry model = ModelCatalog.lookup(width, 3, optimizer.equals("SgdMomentum")
                ? ModelCatalog.OptimizerChoice.SGD_MOMENTUM : ModelCatalog.OptimizerChoice.parse(optimizer));
        SplittableRandom random = new SplittableRandom(42);
        float[] x = new float[batch * 784];
        int[] t = new int[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < batch; i++) {
            t[i] = random.nextInt(10);
        }
        try (Trainer trainer = model.factory().build(device, schedule, threads, batch, 0L)) {
            for (int i = 0; i < 20; i++) {
                trainer.step(x, t);
            }
            int steps = stepsWanted;
            if (steps == 0) {
                long start = System.nanoTime();
                int n = 0;
                while (System.nanoTime() - start < 50_000_000L) {
                    trainer.step(x, t);
                    n++;
                }
                steps = Math.max(5, (int) (n * roundMillis * 1_000_000L / Math.max(1, System.nanoTime() - start)));
            }
            double[] perStep = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    trainer.step(x, t);
                }
                perStep[r] = (System.nanoTime() - start) / 1e3 / steps;
            }
            Arrays.sort(perStep);
            System.out.printf(Locale.ROOT, "%s\t%d\t%s\t%d\t%s\t%.1f\t%.1f\t%d%n", device, width, optimizer, batch,
                    schedule, perStep[rounds / 2], perStep[0], steps);
        }
    }

    private static int[] ints(String csv) {
        List<Integer> values = new ArrayList<>();
        for (String s : csv.split(",")) {
            values.add(Integer.parseInt(s.trim()));
        }
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void usage() {
        System.out.println("StepTime [--device cpu|cuda:N] [--widths 256,1024,2048] [--batches 1,16,128]\n"
                + "         [--optimizers Adam,SgdMomentum] [--schedules UNFUSED,BACKWARD,FORWARD]\n"
                + "         [--threads N] [--steps N] [--rounds N] [--round-ms MS]\n"
                + "On CUDA, -Dfusedtrainer.cuda.overlap=false runs BACKWARD's updates on the main stream.");
    }
}
