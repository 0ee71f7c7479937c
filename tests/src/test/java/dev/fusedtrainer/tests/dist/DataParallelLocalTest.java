package dev.fusedtrainer.tests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.BucketPlan;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.NcclCommunicator;
import dev.fusedtrainer.tests.models.DataParallelModels_SmallBucketsTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_WithEmbeddingTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.support.Close;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The data-parallel code path in one process (Communicator.local(): every collective the identity):
 * bucketed reduction, the scaled loss gradient, the per-layer updates after each bucket and ZeRO-1's
 * sharded state must reproduce the single-process trainer under every schedule. The MPI jobs
 * (MpiDataParallelTest) then check the same runs across 2 and 3 ranks.
 */
class DataParallelLocalTest {
    /** The data-parallel BACKWARD path computes the gradient unfused (OpenBLAS rather than fused tiles). */
    static final double ATOL = 1e-5;

    static Stream<DataParallelRuns.Config> configs() {
        return DataParallelRuns.configs().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void oneRankReproducesTheSingleProcessTrainer(DataParallelRuns.Config config) {
        DataParallelRuns.Result single = DataParallelRuns.train(config, null);
        DataParallelRuns.Result local = DataParallelRuns.train(config, Communicator.local());
        assertClose(config, single, local, ATOL);
    }

    static void assertClose(DataParallelRuns.Config config, DataParallelRuns.Result expected,
                            DataParallelRuns.Result actual, double atol) {
        double params = Close.maxAbsDiff(expected.parameters(), actual.parameters());
        assertTrue(params <= atol, config.id() + ": parameters differ by " + params + " > " + atol);
        assertEquals(expected.state().size(), actual.state().size(), config.id() + ": state slots");
        for (int s = 0; s < expected.state().size(); s++) {
            double state = Close.maxAbsDiff(expected.state().get(s), actual.state().get(s));
            assertTrue(state <= atol, config.id() + ": state slot " + s + " differs by " + state + " > " + atol);
        }
        double losses = Close.maxAbsDiff(expected.losses(), actual.losses());
        assertTrue(losses <= 1e-5, config.id() + ": step losses differ by " + losses);
    }

    @Test
    void compileTimeBucketPlanSplitsTheLargeLayerAndMergesTheSmallOnes() {
        BucketPlan plan = DataParallelModels_SmallBucketsTrainer.BUCKETS;
        // backward order: [logits | mixer] = 176 floats together, then the 1716-float first layer in 6 pieces
        assertEquals(7, plan.size(), plan.toString());
        assertEquals(1716, plan.start(0), plan.toString());
        assertEquals(1892, plan.end(0), plan.toString());
        for (int k = 1; k < 7; k++) {
            assertTrue(plan.length(k) <= 300, plan.toString());
        }
        assertEquals(0, plan.start(6), plan.toString());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, plan.bucketsOf(0), plan.toString());
        assertArrayEquals(new int[] {0}, plan.bucketsOf(1));
        assertEquals(1, plan.completingLayer(0));
        // the default capacity keeps this small model in one bucket
        assertEquals(1, OptimizerModels_AdamTrainer.BUCKETS.size());
    }

    @Test
    void shardedStateNeedsACommunicatorAndGpusAreRefusedClearly() {
        IllegalArgumentException noComm = assertThrows(IllegalArgumentException.class, () ->
                OptimizerModels_AdamTrainer.builder().shardOptimizerState(true).build());
        assertTrue(noComm.getMessage().contains("needs a communicator"), noComm.getMessage());
        IllegalArgumentException gpu = assertThrows(IllegalArgumentException.class, () ->
                OptimizerModels_AdamTrainer.builder().device(Device.cuda(0)).communicator(Communicator.local()).build());
        assertTrue(gpu.getMessage().startsWith("cuda:0 with LocalCommunicator: gradients in GPU memory are reduced by "
                + "NCCL"), gpu.getMessage());
        assertTrue(gpu.getMessage().contains("use .communicator(Communicator.nccl())"), gpu.getMessage());
        UnsupportedOperationException gpuSharded = assertThrows(UnsupportedOperationException.class, () ->
                OptimizerModels_AdamTrainer.builder().device(Device.cuda(0))
                        .communicator(NcclCommunicator.over(Communicator.local())).shardOptimizerState(true).build());
        assertTrue(gpuSharded.getMessage().contains("ZeRO-1 runs on Device.cpu() only"), gpuSharded.getMessage());
    }

    @Test
    void embeddingTablesRefuseShardedState() {
        UnsupportedOperationException sharded = assertThrows(UnsupportedOperationException.class, () ->
                DataParallelModels_WithEmbeddingTrainer.builder().communicator(Communicator.local())
                        .shardOptimizerState(true).build());
        assertTrue(sharded.getMessage().contains("data-parallel embedding tables run in all-reduce mode on the CPU"),
                sharded.getMessage());
    }

    @Test
    void predictAndExportAfterAShardedForwardStepSeeTheUpdatedWeights() {
        DataParallelRuns.Config config = new DataParallelRuns.Config("Adam", Schedule.FORWARD, true, 16);
        try (Trainer single = DataParallelRuns.build(config, null, 16);
             Trainer sharded = DataParallelRuns.build(config, Communicator.local(), 16)) {
            float[] x = new float[16 * DataParallelRuns.INPUT];
            int[] y = new int[16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = i % DataParallelRuns.CLASSES;
            }
            single.step(x, y);
            sharded.step(x, y);
            double predictions = Close.maxAbsDiff(single.predict(x), sharded.predict(x));
            assertTrue(predictions <= 1e-5, "predictions differ by " + predictions);
            double weights = Close.maxAbsDiff(single.parameter("hidden.weight"), sharded.parameter("hidden.weight"));
            assertTrue(weights <= 1e-6, "weights differ by " + weights);
        }
    }
}
