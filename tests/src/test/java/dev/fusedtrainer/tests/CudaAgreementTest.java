package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Evaluation;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.cuda.CudaBackend;
import dev.fusedtrainer.tests.models.GradientModels_BinaryCrossEntropyTrainer;
import dev.fusedtrainer.tests.models.GradientModels_GeluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_IdentityTrainer;
import dev.fusedtrainer.tests.models.GradientModels_LeakyReluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_ReluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_SigmoidTrainer;
import dev.fusedtrainer.tests.models.GradientModels_SoftmaxCrossEntropyTrainer;
import dev.fusedtrainer.tests.models.GradientModels_TallTrainer;
import dev.fusedtrainer.tests.models.GradientModels_TanhTrainer;
import dev.fusedtrainer.tests.models.GradientModels_WideTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdagradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_PerLayerTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_RmspropCenteredTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_RmspropTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdDampeningTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdNesterovTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdTrainer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.DeviceTrainers;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend against the CPU, which the rest of this suite checks against independent
 * references: every layer activation, every loss, every update rule, the three schedules and the
 * two BACKWARD stream variants. Skipped, with the probe's reason, where no CUDA device is usable;
 * scripts/gpu-check runs it on a GPU machine.
 *
 * <p>Tolerances: cuBLAS sums products in a different order than OpenBLAS and the fused CPU tiles
 * (FP32 throughout: cuBLAS's default math mode does not use TF32), and CUDA's expf/tanhf/erff may
 * differ from glibc's by an ulp or two, so CPU and GPU differ by float rounding that feeds back
 * through training. The bounds below are a first estimate, not yet measured on a GPU.
 */
class CudaAgreementTest {
    private static final double ONE_STEP_ATOL = 1e-6;
    private static final double ONE_STEP_RTOL = 1e-5;
    private static final double TEN_STEPS_ATOL = 2e-5;
    private static final double TEN_STEPS_RTOL = 1e-4;

    /** Per test rather than @BeforeAll, so that each skipped case is reported with the reason. */
    @BeforeEach
    void requireGpu() {
        String why = DeviceTrainers.whyNoGpu();
        assumeTrue(why == null, () -> "no usable CUDA device: " + why);
    }

    record Model(String name, Class<? extends Trainer> trainer, int inputs, int outputs, Loss loss) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Model> optimizerModels() {
        List<Model> all = new ArrayList<>();
        all.add(new Model("SGD", OptimizerModels_SgdTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("SGD momentum+dampening+decay", OptimizerModels_SgdDampeningTrainer.class, 131, 5,
                Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("SGD Nesterov+decay", OptimizerModels_SgdNesterovTrainer.class, 131, 5,
                Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("Adam+decay", OptimizerModels_AdamTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("Adam AMSGrad", OptimizerModels_AdamAmsgradTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("AdamW", OptimizerModels_AdamWTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("AdamW AMSGrad", OptimizerModels_AdamWAmsgradTrainer.class, 131, 5,
                Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("RMSprop", OptimizerModels_RmspropTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("RMSprop centered+momentum", OptimizerModels_RmspropCenteredTrainer.class, 131, 5,
                Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("Adagrad", OptimizerModels_AdagradTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        all.add(new Model("PerLayer", OptimizerModels_PerLayerTrainer.class, 131, 5, Loss.SOFTMAX_CROSS_ENTROPY));
        return all;
    }

    static List<Model> layerAndLossModels() {
        return List.of(
                new Model("identity, MSE", GradientModels_IdentityTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("relu, MSE", GradientModels_ReluTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("leaky relu 0.2, MSE", GradientModels_LeakyReluTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("tanh, MSE", GradientModels_TanhTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("sigmoid, MSE", GradientModels_SigmoidTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("gelu, MSE", GradientModels_GeluTrainer.class, 13, 7, Loss.MEAN_SQUARED_ERROR),
                new Model("gelu, softmax CE", GradientModels_SoftmaxCrossEntropyTrainer.class, 13, 7,
                        Loss.SOFTMAX_CROSS_ENTROPY),
                new Model("sigmoid, BCE with logits", GradientModels_BinaryCrossEntropyTrainer.class, 13, 7,
                        Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS),
                new Model("wide leaky relu, softmax CE", GradientModels_WideTrainer.class, 131, 5,
                        Loss.SOFTMAX_CROSS_ENTROPY),
                new Model("tall tanh, MSE", GradientModels_TallTrainer.class, 9, 66, Loss.MEAN_SQUARED_ERROR));
    }

    /** Seeded batches; labels or targets as the loss needs. */
    static final class Batch {
        final float[] x;
        final int[] labels;
        final float[] targets;

        Batch(Model m, int batch, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            x = Data.uniform(random, batch * m.inputs(), 1);
            labels = Data.labels(random, batch, m.outputs());
            targets = new float[batch * m.outputs()];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = m.loss() == Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS ? random.nextInt(2)
                        : (float) random.nextDouble(-1, 1);
            }
        }

        float step(Model m, Trainer t) {
            return m.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? t.step(x, labels) : t.step(x, targets);
        }

        Evaluation evaluate(Model m, Trainer t) {
            return m.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? t.evaluate(x, labels) : t.evaluate(x, targets);
        }
    }

    static Stream<Arguments> optimizerCases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Model m : optimizerModels()) {
            for (Schedule s : Schedule.values()) {
                all.add(Arguments.of(m, s, 1));
                all.add(Arguments.of(m, s, 97));
            }
        }
        return all.build();
    }

    static Stream<Arguments> layerCases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Model m : layerAndLossModels()) {
            all.add(Arguments.of(m, 1));
            all.add(Arguments.of(m, 16));
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0}, batch {1}")
    @MethodSource("layerCases")
    void everyActivationAndLossAgreesWithTheCpuAfterOneStep(Model m, int batch) {
        try (Trainer cpu = DeviceTrainers.build(m.trainer(), Device.cpu(), Schedule.UNFUSED, 128, 7);
             Trainer gpu = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.UNFUSED, 128, 7)) {
            assertArrayEquals(cpu.state().exportParameters(), gpu.state().exportParameters(),
                    "the same seed initialises the same weights on both devices");
            Batch b = new Batch(m, batch, 3);
            Close.assertClose(m + " predict", Data.toDouble(cpu.predict(b.x)), Data.toDouble(gpu.predict(b.x)),
                    ONE_STEP_ATOL, ONE_STEP_RTOL);
            float cpuLoss = b.step(m, cpu);
            float gpuLoss = b.step(m, gpu);
            assertEquals(cpuLoss, gpuLoss, 1e-5 * Math.abs(cpuLoss) + 1e-6, m + " loss");
            Close.assertClose(m + " parameters after one step", Data.toDouble(cpu.state().exportParameters()),
                    Data.toDouble(gpu.state().exportParameters()), ONE_STEP_ATOL, ONE_STEP_RTOL);
            Evaluation ce = b.evaluate(m, cpu);
            Evaluation ge = b.evaluate(m, gpu);
            assertEquals(ce.loss(), ge.loss(), 1e-5 * Math.abs(ce.loss()) + 1e-6, m + " evaluate loss");
            if (!Double.isNaN(ce.accuracy())) {
                assertEquals(ce.accuracy(), ge.accuracy(), 0.0, m + " evaluate accuracy");
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}")
    @MethodSource("optimizerCases")
    void everyOptimizerAndScheduleAgreesWithTheCpuOverTenSteps(Model m, Schedule schedule, int batch) {
        try (Trainer cpu = DeviceTrainers.build(m.trainer(), Device.cpu(), Schedule.UNFUSED, 128, 5);
             Trainer gpu = DeviceTrainers.build(m.trainer(), Device.cuda(0), schedule, 128, 5)) {
            for (int step = 0; step < 10; step++) {
                Batch b = new Batch(m, batch, 100 + step);
                float cpuLoss = b.step(m, cpu);
                float gpuLoss = b.step(m, gpu);
                assertEquals(cpuLoss, gpuLoss, 1e-4 * Math.abs(cpuLoss) + 1e-5, m + " loss at step " + (step + 1));
            }
            assertEquals(10, gpu.stepCount());
            Close.assertClose(m + " " + schedule + " parameters", Data.toDouble(cpu.state().exportParameters()),
                    Data.toDouble(gpu.state().exportParameters()), TEN_STEPS_ATOL, TEN_STEPS_RTOL);
            for (int slot = 0; slot < cpu.state().stateSlots(); slot++) {
                if (cpu.state().hasStateSlot(slot)) {
                    Close.assertClose(m + " " + schedule + " state slot " + slot,
                            Data.toDouble(cpu.state().exportStateSlot(slot)),
                            Data.toDouble(gpu.state().exportStateSlot(slot)), TEN_STEPS_ATOL, TEN_STEPS_RTOL);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizerModels")
    void theThreeSchedulesAgreeOnTheGpu(Model m) {
        try (Trainer unfused = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.UNFUSED, 128, 9);
             Trainer backward = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.BACKWARD, 128, 9);
             Trainer forward = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.FORWARD, 128, 9)) {
            for (int step = 0; step < 20; step++) {
                Batch b = new Batch(m, 32, 200 + step);
                float lu = b.step(m, unfused);
                float lb = b.step(m, backward);
                float lf = b.step(m, forward);
                assertEquals(lu, lb, 1e-5 * Math.abs(lu), "BACKWARD loss at step " + (step + 1));
                assertEquals(lu, lf, 1e-5 * Math.abs(lu), "FORWARD loss at step " + (step + 1));
            }
            double[] expected = Data.toDouble(unfused.state().exportParameters());
            Close.assertClose(m + " BACKWARD", expected, Data.toDouble(backward.state().exportParameters()), 1e-5, 1e-5);
            Close.assertClose(m + " FORWARD", expected, Data.toDouble(forward.state().exportParameters()), 1e-5, 1e-5);
        }
    }

    /** The two-stream BACKWARD runs the same kernels in the same order per layer: bit-identical results. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizerModels")
    void overlappingTheUpdateOnASecondStreamChangesNoBit(Model m) {
        float[] oneStream;
        float[] twoStreams;
        try {
            CudaBackend.overlapUpdates(false);
            oneStream = trainTwentySteps(m);
            CudaBackend.overlapUpdates(true);
            twoStreams = trainTwentySteps(m);
        } finally {
            CudaBackend.overlapUpdates(true);
        }
        assertArrayEquals(oneStream, twoStreams, m.toString());
    }

    private static float[] trainTwentySteps(Model m) {
        try (Trainer t = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.BACKWARD, 128, 13)) {
            for (int step = 0; step < 20; step++) {
                new Batch(m, 64, 300 + step).step(m, t);
            }
            return t.state().exportParameters();
        }
    }

    @Test
    void checkpointsMoveBetweenCpuAndGpu() {
        Model m = optimizerModels().get(3);  // Adam: two state slots
        try (Trainer gpu = DeviceTrainers.build(m.trainer(), Device.cuda(0), Schedule.BACKWARD, 128, 21);
             Trainer cpu = DeviceTrainers.build(m.trainer(), Device.cpu(), Schedule.BACKWARD, 128, 99)) {
            for (int step = 0; step < 5; step++) {
                new Batch(m, 16, 400 + step).step(m, gpu);
            }
            cpu.state().importParameters(gpu.state().exportParameters());
            for (int slot = 0; slot < gpu.state().stateSlots(); slot++) {
                if (gpu.state().hasStateSlot(slot)) {
                    cpu.state().importStateSlot(slot, gpu.state().exportStateSlot(slot));
                }
            }
            cpu.state().setStepCount(gpu.stepCount());
            Batch next = new Batch(m, 16, 500);
            next.step(m, gpu);
            next.step(m, cpu);
            Close.assertClose("one more step from the same checkpoint", Data.toDouble(cpu.state().exportParameters()),
                    Data.toDouble(gpu.state().exportParameters()), ONE_STEP_ATOL, ONE_STEP_RTOL);
        }
    }

    @Test
    void aDeviceIndexPastTheLastGpuIsAClearException() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> DeviceTrainers.build(OptimizerModels_SgdTrainer.class, Device.cuda(64), Schedule.BACKWARD, 8, 1));
        assertTrue(e.getMessage().contains("there is no CUDA device 64"), e.getMessage());
    }
}
