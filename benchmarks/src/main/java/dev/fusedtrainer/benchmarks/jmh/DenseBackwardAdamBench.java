package dev.fusedtrainer.benchmarks.jmh;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.runtime.OptimizerConfig;
import dev.fusedtrainer.runtime.cpu.CpuKernels;
import dev.fusedtrainer.runtime.cpu.NativeSupport;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One hidden layer's backward pass plus its Adam update, three ways, for W[out,in] with a batch:
 * <ul>
 * <li>{@code fused}: {@code ft_dense_backward_fused}, the BACKWARD schedule's kernel (weight
 *     gradient tile by tile, updated while in registers; no gradient tensor).
 * <li>{@code backwardThenOptimUpdate}: {@code ft_dense_backward} into a gradient buffer, then the
 *     separate {@code ft_optim_update} pass over it (what UNFUSED does per layer).
 * <li>{@code backwardThenUpdate}: {@code ft_dense_backward_then_update}, the per-layer fusion
 *     (gradient into scratch, then the rule over it in the same call).
 * </ul>
 * Each invocation is one layer's step; the Adam step number is fixed (its cost does not depend on it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DenseBackwardAdamBench {

    @Param({"1", "16", "128"})
    int batch;

    @Param({"1024"})
    int in;

    @Param({"1024"})
    int out;

    @Param({"1"})
    int threads;

    private DoublePointer hp;
    private FloatPointer dz;
    private FloatPointer x;
    private FloatPointer dx;
    private FloatPointer p;
    private FloatPointer g;
    private FloatPointer m;
    private FloatPointer v;
    private long n;

    @Setup(Level.Trial)
    public void setUp() {
        NativeSupport.ensureLoaded();
        CpuKernels.ft_set_blas_threads(threads);
        hp = new DoublePointer(OptimizerConfig.defaults(OptimizerKind.ADAM, 1e-3).hyperParameterBlock());
        n = (long) out * in + out;
        SplittableRandom random = new SplittableRandom(7);
        dz = filled(random, (long) batch * out, 1e-3);
        x = filled(random, (long) batch * in, 1.0);
        dx = filled(random, (long) batch * in, 0.0);
        p = filled(random, n, 1.0 / Math.sqrt(in));
        g = filled(random, n, 0.0);
        m = filled(random, n, 1e-4);
        v = filled(random, n, 1e-8);
    }

    private static FloatPointer filled(SplittableRandom random, long count, double scale) {
        FloatPointer ptr = new FloatPointer(count);
        Pointer.memset(ptr, 0, count * 4);
        if (scale != 0) {
            float[] chunk = new float[(int) Math.min(count, 1 << 16)];
            for (long i = 0; i < count; i += chunk.length) {
                int len = (int) Math.min(chunk.length, count - i);
                for (int j = 0; j < len; j++) {
                    chunk[j] = (float) (random.nextDouble(-scale, scale));
                }
                ptr.position(i).put(chunk, 0, len);
            }
            ptr.position(0);
        }
        return ptr;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Pointer ptr : new Pointer[] {hp, dz, x, dx, p, g, m, v}) {
            ptr.close();
        }
    }

    @Benchmark
    public void fused() {
        CpuKernels.ft_dense_backward_fused(hp, 10, dz, x, dx, p, m, v, null, batch, in, out, threads);
    }

    @Benchmark
    public void backwardThenOptimUpdate() {
        CpuKernels.ft_dense_backward(dz, x, p, g, dx, batch, in, out, 1);
        CpuKernels.ft_optim_update(hp, 10, p, g, m, v, null, n, threads);
    }

    @Benchmark
    public void backwardThenUpdate() {
        CpuKernels.ft_dense_backward_then_update(hp, 10, dz, x, dx, p, g, m, v, null, batch, in, out, 1);
    }
}
