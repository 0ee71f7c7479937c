package dev.fusedtrainer.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.cuda.CudaSupport;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.NcclCommunicator;
import dev.fusedtrainer.tests.support.DeviceTrainers;
import dev.fusedtrainer.tests.support.Close;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole data-parallel path on a GPU with NCCL, on one rank (two ranks cannot share one GPU): the
 * trainer binds NCCL to its device, broadcasts the first weights, all-reduces every bucket on NCCL's
 * stream and waits for it by events, under every schedule, with global-norm clipping, accumulation and
 * small buckets. One rank's all-reduce is the identity, so the result must match the same trainer on
 * the same GPU without a communicator (and the CPU, within float tolerance). Skipped with the reason
 * where no GPU is usable or NCCL does not load.
 */
class NcclSingleRankTest {
    private static final double SAME_GPU_ATOL = 1e-6;
    private static final double CPU_ATOL = 5e-5;

    @BeforeEach
    void requireGpuAndNccl() {
        String gpu = DeviceTrainers.whyNoGpu();
        assumeTrue(gpu == null, () -> "no usable CUDA device: " + gpu);
        String nccl = CudaSupport.ncclProblem();
        assumeTrue(nccl == null, () -> nccl);
    }

    static List<DataParallelRuns.Config> configs() {
        List<DataParallelRuns.Config> all = new ArrayList<>();
        for (String model : List.of("SgdNesterov", "Adam", "SmallBuckets", "CosineAdam")) {
            for (Schedule schedule : Schedule.values()) {
                all.add(new DataParallelRuns.Config(model, schedule, false, model.equals("SmallBuckets") ? 63 : 64));
            }
        }
        all.add(new DataParallelRuns.Config("ClippedSgd", Schedule.UNFUSED, false, 64));
        all.add(new DataParallelRuns.Config("ClippedSgd", Schedule.FORWARD, false, 63));
        all.add(new DataParallelRuns.Config("LayerClippedSgd", Schedule.FORWARD, false, 63));
        all.add(new DataParallelRuns.Config("AccumulatedPairsSgd", Schedule.FORWARD, false, 63));
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void oneNcclRankTrainsAsTheSameGpuAlone(DataParallelRuns.Config config) {
        Device gpu = Device.cuda(0);
        DataParallelRuns.Result alone = DataParallelRuns.train(config, null, 0, 1, gpu);
        DataParallelRuns.Result nccl;
        try (NcclCommunicator comm = NcclCommunicator.over(Communicator.local())) {
            nccl = DataParallelRuns.train(config, comm, 0, 1, gpu);
            assertTrue(comm.bound(), "the trainer did not bind NCCL: " + comm);
        }
        DataParallelRuns.Result cpu = DataParallelRuns.train(config, null, 0, 1, Device.cpu());
        assertClose(alone, nccl, SAME_GPU_ATOL, config + ", NCCL rank vs the same GPU alone");
        assertClose(cpu, nccl, CPU_ATOL, config + ", NCCL rank vs the CPU");
    }

    private static void assertClose(DataParallelRuns.Result expected, DataParallelRuns.Result actual, double atol,
                                    String what) {
        double losses = Close.maxAbsDiff(expected.losses(), actual.losses());
        assertTrue(losses <= atol * 10, what + ": losses differ by " + losses);
        double parameters = Close.maxAbsDiff(expected.parameters(), actual.parameters());
        assertTrue(parameters <= atol, what + ": parameters differ by " + parameters);
        assertEquals(expected.state().size(), actual.state().size(), what + ": state slots");
        for (int i = 0; i < expected.state().size(); i++) {
            double state = Close.maxAbsDiff(expected.state().get(i), actual.state().get(i));
            assertTrue(state <= atol * 10, what + ": state slot " + i + " differs by " + state);
        }
    }
}
