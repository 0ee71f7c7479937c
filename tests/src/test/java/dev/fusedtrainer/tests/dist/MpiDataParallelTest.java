package dev.fusedtrainer.tests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.MpiLauncher;
import dev.fusedtrainer.tests.support.Close;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real data-parallel jobs: {@code mpirun -np 2} and {@code -np 3} (uneven splits of every batch and of
 * every bucket) train each {@link DataParallelRuns#configs()} run on 1/N of each batch. Every rank's
 * weights, optimizer state and losses must be bit-identical, and equal (to float tolerance) to one process
 * training on the whole batch: SGD and Adam (plus a three-rule model whose buckets are smaller than a
 * layer), all-reduce and ZeRO-1 sharded, under all three schedules. Skipped, with the reason, where
 * mpirun or the MPI binding is missing.
 */
class MpiDataParallelTest {
    private static final Duration JOB_LIMIT = Duration.ofSeconds(240);
    /** Gradient sums in another order (per rank, then across ranks) feed back through 20 steps. */
    private static final double ATOL = 2e-5;

    private static Path mpirun;

    @BeforeAll
    static void needsMpi() {
        String problem = MpiLauncher.whyJobsCannotRun();
        Assumptions.assumeTrue(problem == null, problem);
        mpirun = MpiLauncher.findMpirun();
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void ranksOnShardsMatchOneProcessOnTheWholeBatch(int ranks, @TempDir Path dir) throws Exception {
        List<String> program = List.of("-Xmx512m", "-XX:+UseSerialGC",
                "-D" + Communicator.TIMEOUT_PROPERTY + "=30000",
                "-cp", System.getProperty("java.class.path"), DataParallelRankMain.class.getName(), dir.toString());
        MpiLauncher.Job job = MpiLauncher.run(MpiLauncher.loopbackCommand(mpirun, ranks, program), JOB_LIMIT);
        if (job.killed() || job.exitCode() != 0) {
            fail("the data-parallel job failed\n" + job.describe());
        }
        List<String> failures = new ArrayList<>();
        for (DataParallelRuns.Config config : DataParallelRuns.configs()) {
            DataParallelRuns.Result rank0 = read(dir.resolve(config.id() + "-rank0.bin"));
            for (int r = 1; r < ranks; r++) {
                DataParallelRuns.Result other = read(dir.resolve(config.id() + "-rank" + r + ".bin"));
                if (!java.util.Arrays.equals(rank0.parameters(), other.parameters())) {
                    failures.add(config.id() + ": rank " + r + "'s weights differ from rank 0's by "
                            + Close.maxAbsDiff(rank0.parameters(), other.parameters()));
                    continue;
                }
                for (int s = 0; s < rank0.state().size(); s++) {
                    assertArrayEquals(rank0.state().get(s), other.state().get(s), config.id() + ": rank " + r + "'s state " + s);
                }
                assertArrayEquals(rank0.losses(), other.losses(), config.id() + ": rank " + r + "'s losses");
            }
            DataParallelRuns.Result whole = DataParallelRuns.train(config, null);
            try {
                DataParallelLocalTest.assertClose(config, whole, rank0, ATOL);
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));

        // the check has teeth: rank 0 alone on its own shard ends far from the data-parallel result
        DataParallelRuns.Config adam = DataParallelRuns.configs().get(6);
        assertEquals("Adam", adam.model());
        DataParallelRuns.Result alone = DataParallelRuns.train(adam, null, 0, ranks);
        double apart = Close.maxAbsDiff(alone.parameters(), read(dir.resolve(adam.id() + "-rank0.bin")).parameters());
        assertTrue(apart > 100 * ATOL, "training on one shard only is just " + apart + " away");
    }

    private static DataParallelRuns.Result read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in)) {
            float[] parameters = readFloats(data);
            int slots = data.readInt();
            List<float[]> state = new ArrayList<>();
            for (int s = 0; s < slots; s++) {
                state.add(readFloats(data));
            }
            return new DataParallelRuns.Result(parameters, state, readFloats(data));
        }
    }

    private static float[] readFloats(DataInputStream data) throws IOException {
        float[] values = new float[data.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.readFloat();
        }
        return values;
    }
}
