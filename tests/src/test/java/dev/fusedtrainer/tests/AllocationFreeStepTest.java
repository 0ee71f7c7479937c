package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.tests.models.GradientModels_WideTrainer;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A training step allocates nothing on the Java heap, under every schedule (issue: "No Java allocation per step"). */
class AllocationFreeStepTest {

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void stepAllocatesNoJavaMemory(Schedule schedule) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(4);
        int batch = 16;
        float[] x = new float[batch * 131];
        int[] y = new int[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < batch; i++) {
            y[i] = random.nextInt(5);
        }
        try (var trainer = GradientModels_WideTrainer.builder().schedule(schedule).maxBatch(batch).build()) {
            for (int i = 0; i < 200; i++) {  // warm up: class loading, JIT, JavaCPP's first calls
                trainer.step(x, y);
            }
            long id = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 1000; i++) {
                trainer.step(x, y);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            // The measuring calls themselves may allocate a few bytes; a per-step allocation of even one
            // small object (16+ bytes x 1000 steps) would exceed this bound.
            assertTrue(allocated < 4096, schedule + ": 1000 steps allocated " + allocated + " bytes");
        }
    }
}
