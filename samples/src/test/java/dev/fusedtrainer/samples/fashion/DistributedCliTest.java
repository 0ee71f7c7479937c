package dev.fusedtrainer.samples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fusedtrainer.runtime.checkpoint.Checkpoint;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.MpiCommunicator;
import dev.fusedtrainer.runtime.dist.MpiLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST program as a real {@code mpirun} job on loopback: two ranks train what one process
 * trains, rank 0 alone prints and writes, the checkpoint resumes at another world size, and a failing job
 * ends with the reason. Skipped, with the reason, where mpirun, the MPI binding or the data is missing.
 */
class DistributedCliTest {
    private static final Duration JOB_LIMIT = Duration.ofSeconds(180);
    /** Per-rank sums then a sum over ranks, in float, fed back through 20 Adam steps. */
    private static final double ATOL = 1e-4;

    private static Path mpirun;

    @TempDir
    Path temp;

    @BeforeAll
    static void needsMpi() {
        String problem = MpiLauncher.whyJobsCannotRun();
        Assumptions.assumeTrue(problem == null, problem);
        mpirun = MpiLauncher.findMpirun();
    }

    private static MpiLauncher.Job job(int ranks, String... args) throws Exception {
        List<String> program = new ArrayList<>(List.of("-Xmx512m", "-XX:+UseSerialGC",
                "-D" + Communicator.TIMEOUT_PROPERTY + "=20000", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), FashionMnistCli.class.getName(),
                "--distributed", "--threads", "1"));
        program.addAll(List.of(args));
        MpiLauncher.Job job = MpiLauncher.run(MpiLauncher.loopbackCommand(mpirun, ranks, program), JOB_LIMIT);
        if (job.killed()) {
            fail("the job did not end within " + JOB_LIMIT + "\n" + job.describe());
        }
        return job;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void twoRanksTrainWhatOneProcessTrainsAndTheCheckpointResumesOnThree() throws Exception {
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        Path oneDir = temp.resolve("one");
        Path twoDir = temp.resolve("two");
        String[] settings = {"--data", data.toString(), "--epochs", "2", "--batch-size", "128"};

        int exit = FashionMnistCli.commandLine().execute(concat(settings, "--checkpoint-dir", oneDir.toString(),
                "--threads", "1"));
        assertEquals(0, exit, "the single-process run failed");
        MpiLauncher.Job two = job(2, concat(settings, "--checkpoint-dir", twoDir.toString()));
        assertEquals(0, two.exitCode(), two.describe());
        assertEquals(1, count(two.output(), "epoch  2/2  train loss"), "only rank 0 prints:\n" + two.output());
        assertTrue(two.output().contains("2 ranks share each batch"), two.output());
        assertEquals(3, Files.readAllLines(twoDir.resolve(FashionMnistCli.METRICS)).size());

        Checkpoint one = CheckpointFile.read(oneDir.resolve(FashionMnistCli.CHECKPOINT));
        Checkpoint dist = CheckpointFile.read(twoDir.resolve(FashionMnistCli.CHECKPOINT));
        assertEquals(one.stepCount(), dist.stepCount());
        assertEquals(one.data().cursor(), dist.data().cursor());
        float[] a = one.parameters();
        float[] b = dist.parameters();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        assertTrue(worst <= ATOL, "2 ranks on half of each batch drifted " + worst + " from one process");

        // resumed on 3 ranks, sharded: a world size other than the one that wrote it
        MpiLauncher.Job three = job(3, "--data", data.toString(), "--checkpoint-dir", twoDir.toString(),
                "--epochs", "3", "--resume", "--shard-optimizer-state");
        assertEquals(0, three.exitCode(), three.describe());
        assertTrue(three.output().contains("Resumed from"), three.output());
        assertTrue(three.output().contains("epoch  3/3  train loss"), three.output());
        List<String> csv = Files.readAllLines(twoDir.resolve(FashionMnistCli.METRICS));
        assertEquals(4, csv.size(), csv.toString());
        assertTrue(csv.get(3).startsWith("3,30,"), csv.toString());
    }

    @Test
    void anErrorOnTheRanksEndsTheJobWithTheReason() throws Exception {
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        // batch 2 cannot be split over 3 ranks: every rank refuses, the job ends instead of waiting
        MpiLauncher.Job job = job(3, "--data", data.toString(), "--checkpoint-dir", temp.resolve("runs").toString(),
                "--batch-size", "2");
        assertEquals(MpiCommunicator.ABORT_ERROR, job.exitCode(), job.describe());
        assertTrue(job.output().contains("cannot be split over 3 ranks"), job.output());
        assertTrue(Files.notExists(temp.resolve("runs").resolve(FashionMnistCli.CHECKPOINT)));

        MpiLauncher.Job missing = job(2, "--data", data.toString(), "--checkpoint-dir",
                temp.resolve("none").toString(), "--resume");
        assertTrue(missing.exitCode() != 0, missing.describe());
        assertTrue(missing.output().contains("checkpoint.ftc refused: no such file"), missing.output());
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
