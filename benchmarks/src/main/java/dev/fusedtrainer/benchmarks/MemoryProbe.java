package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child-process entry point for peak memory: builds one trainer in a fresh JVM, runs a few steps
 * and prints this process's VmHWM and VmRSS (KiB), plus the RSS before the trainer existed (the
 * JVM and the native libraries), on one line: {@code baseline=… vmhwm=… vmrss=…}.
 *
 * <p>Arguments: width depth optimizer schedule batch threads steps.
 */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    public static void main(String[] args) throws IOException {
        int width = Integer.parseInt(args[0]);
        int depth = Integer.parseInt(args[1]);
        ModelCatalog.OptimizerChoice optimizer = ModelCatalog.OptimizerChoice.parse(args[2]);
        Schedule schedule = Schedule.valueOf(args[3]);
        int batch = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        int steps = Integer.parseInt(args[6]);
        dev.fusedtrainer.runtime.cpu.NativeSupport.ensureLoaded();
        long baseline = status("VmRSS");
        SplittableRandom random = new SplittableRandom(1);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        int[] y = random.ints(batch, 0, 10).toArray();
        try (Trainer t = ModelCatalog.lookup(width, depth, optimizer).factory().build(schedule, threads, batch, 42)) {
            for (int s = 0; s < steps; s++) {
                t.step(x, y);
            }
            System.out.println("baseline=" + baseline + " vmhwm=" + status("VmHWM") + " vmrss=" + status("VmRSS"));
        }
    }

    static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }
}
