package dev.fusedtrainer.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real MPI jobs on loopback: {@code mpirun -np 2} and {@code -np 3} (uneven splits) of {@link MpiTestMain},
 * each a child process with a hard timeout. Skipped, with the reason, where mpirun or the MPI binding is
 * absent (install openmpi-bin and libopenmpi-dev, then rebuild).
 */
class MpiJobTest {
    /** Hard limit for one job; a job that reaches it is killed and the test fails. */
    private static final long JOB_LIMIT_SECONDS = 120;
    /** The collective timeout the failure scenarios run with. */
    private static final long COLLECTIVE_TIMEOUT_MS = 3000;
    /** How long after its collective started a job with a dead or hung rank may take to end. */
    private static final long FAILURE_BOUND_MS = COLLECTIVE_TIMEOUT_MS + 10_000;

    private static Path mpirun;

    @BeforeAll
    static void needsMpi() {
        String problem = MpiLauncher.whyJobsCannotRun();
        Assumptions.assumeTrue(problem == null, problem);
        mpirun = MpiLauncher.findMpirun();
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void collectivesGiveExactSumsPaddedShardsGathersAndBroadcasts(int ranks) throws Exception {
        MpiLauncher.Job job = launch(ranks, "collectives");
        assertPassedOnEveryRank(job, ranks);
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void commThreadRunsCollectivesInSubmissionOrder(int ranks) throws Exception {
        MpiLauncher.Job job = launch(ranks, "ordered");
        assertPassedOnEveryRank(job, ranks);
    }

    @ParameterizedTest(name = "exit code {0}")
    @ValueSource(ints = {3, 0})
    void rankThatExitsEarlyEndsTheJobWithinTheBound(int exitCode) throws Exception {
        MpiLauncher.Job job = launch(3, "exit-early", "-DexitCode=" + exitCode);
        assertTrue(job.output().contains("EXITING rank 2"), job.describe());
        assertNotEquals(0, job.exitCode(), job.describe());
        assertFalse(job.output().contains("PASS"), job.describe());
        assertFalse(job.output().contains("UNEXPECTED"), job.describe());
        assertEndedWithinBound(job);
    }

    @Test
    void rankThatHangsEndsTheJobAtTheCollectiveTimeout() throws Exception {
        MpiLauncher.Job job = launch(2, "hang");
        assertTrue(job.output().contains("HANGING rank 1"), job.describe());
        assertTrue(job.output().contains("[FT-COMM] rank 0 of 2: allReduceSum #1 (1000 floats) did not complete within "
                + COLLECTIVE_TIMEOUT_MS + " ms: a peer rank died, hung, or called a different collective. "
                + "Ending the job (MPI_Abort)."), job.describe());
        assertEquals(MpiCommunicator.ABORT_TIMEOUT, job.exitCode(), job.describe());
        assertFalse(job.output().contains("PASS"), job.describe());
        assertFalse(job.output().contains("UNEXPECTED"), job.describe());
        long waited = assertEndedWithinBound(job);
        assertTrue(waited >= COLLECTIVE_TIMEOUT_MS - 100, "the job ended before the deadline: " + waited + " ms\n"
                + job.describe());
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void ranksThatCannotLoadNcclAllFailWithTheReasonInsteadOfWaiting(int ranks) throws Exception {
        MpiLauncher.Job job = launch(ranks, "nccl-unavailable");
        Assumptions.assumeFalse(job.output().contains("NCCL LOADS"), "NCCL loads here: nothing to check");
        assertPassedOnEveryRank(job, ranks);
    }

    private static void assertPassedOnEveryRank(MpiLauncher.Job job, int ranks) {
        assertEquals(0, job.exitCode(), job.describe());
        for (int r = 0; r < ranks; r++) {
            assertTrue(job.output().contains("PASS rank " + r + " of " + ranks), "rank " + r + " did not pass\n" + job.describe());
        }
    }

    /** Milliseconds from the latest surviving rank's entry into its collective to the end of the job. */
    private static long assertEndedWithinBound(MpiLauncher.Job job) {
        Matcher m = Pattern.compile("ENTER rank \\d+ at (\\d+)").matcher(job.output());
        long entered = -1;
        while (m.find()) {
            entered = Math.max(entered, Long.parseLong(m.group(1)));
        }
        if (entered < 0) {
            // the early exit was noticed before a survivor reached its collective: ended even sooner
            return 0;
        }
        long waited = job.endedAtMillis() - entered;
        assertTrue(waited <= FAILURE_BOUND_MS, "the job took " + waited + " ms after the collective started, bound "
                + FAILURE_BOUND_MS + " ms\n" + job.describe());
        return waited;
    }

    private static MpiLauncher.Job launch(int ranks, String scenario, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> program = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-D" + Communicator.TIMEOUT_PROPERTY + "=" + COLLECTIVE_TIMEOUT_MS));
        program.addAll(List.of(jvmOptions));
        program.addAll(List.of("-cp", System.getProperty("java.class.path"), MpiTestMain.class.getName(), scenario));
        MpiLauncher.Job job = MpiLauncher.run(MpiLauncher.loopbackCommand(mpirun, ranks, program),
                Duration.ofSeconds(JOB_LIMIT_SECONDS));
        if (job.killed()) {
            fail("mpirun did not end within " + JOB_LIMIT_SECONDS + " s and was killed\n" + job.describe());
        }
        return job;
    }
}
