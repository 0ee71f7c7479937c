package dev.fusedtrainer.samples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The program end to end on a small real-data directory: outputs, resume, and its error messages. */
class FashionMnistCliTest {

    @TempDir
    Path temp;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        CommandLine cli = FashionMnistCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            int exit = cli.execute(args);
            String printed = out.toString(StandardCharsets.UTF_8);
            return new Result(exit, printed, err + printed);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainsWritesMetricsChartAndCheckpointThenResumes() throws IOException {
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        Path runs = temp.resolve("runs");
        Result first = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "2",
                "--threads", "1", "--batch-size", "128");
        assertEquals(0, first.exit(), first.out() + first.err());
        assertTrue(first.out().contains("epoch  2/2  train loss"), first.out());
        List<String> csv = Files.readAllLines(runs.resolve("metrics.csv"));
        assertEquals(MetricsCsv.HEADER, csv.get(0));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(csv.get(2).startsWith("2,20,"), csv.toString());
        assertTrue(Files.size(runs.resolve("training.png")) > 1000);
        byte[] png = Files.readAllBytes(runs.resolve("training.png"));
        assertEquals('P', png[1]);

        Result more = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "3",
                "--threads", "1", "--resume");
        assertEquals(0, more.exit(), more.out() + more.err());
        assertTrue(more.out().contains("Resumed from"), more.out());
        assertTrue(more.out().contains("batch 128"), "settings come from the checkpoint: " + more.out());
        csv = Files.readAllLines(runs.resolve("metrics.csv"));
        assertEquals(4, csv.size(), csv.toString());
        assertTrue(csv.get(3).startsWith("3,30,"), csv.toString());

        Result conflict = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "4",
                "--resume", "--batch-size", "64");
        assertEquals(1, conflict.exit());
        assertTrue(conflict.err().contains("was trained with --batch-size 128"), conflict.err());
    }

    @Test
    void convolutionalModelTrainsResumesAndKeepsItsModel() throws IOException {
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        Path runs = temp.resolve("cnn");
        double accuracy = oneSmallEpoch("cnn", "Model FashionCnn: conv 3x3x32", data, runs);
        // 40 steps on 1280 images: far above chance (0.1), which a wrong convolution gradient would not reach
        assertTrue(accuracy > 0.5, "test accuracy after one small epoch: " + accuracy);

        Result conflict = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "2",
                "--resume", "--model", "mlp");
        assertEquals(1, conflict.exit());
        assertTrue(conflict.err().contains("was trained with --model cnn"), conflict.err());
        Result more = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "2",
                "--threads", "2", "--resume");
        assertEquals(0, more.exit(), more.out() + more.err());
        assertTrue(more.out().contains("Model FashionCnn"), more.out());
    }

    /**
     * Trains {@code model} for one epoch of batch 32 on {@code data} into {@code runs}, checks the exit and the
     * header line, and returns that epoch's test accuracy from metrics.csv.
     */
    private double oneSmallEpoch(String model, String header, Path data, Path runs) throws IOException {
        Result first = run("--model", model, "--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs",
                "1", "--threads", "2", "--batch-size", "32");
        assertEquals(0, first.exit(), first.out() + first.err());
        assertTrue(first.out().contains(header), first.out());
        List<String> csv = Files.readAllLines(runs.resolve("metrics.csv"));
        int accuracyColumn = List.of(csv.get(0).split(",")).indexOf("test_accuracy");
        return Double.parseDouble(csv.get(1).split(",")[accuracyColumn]);
    }

    /** Batch norm's running statistics go into the checkpoint: the resumed run evaluates as the saved one did. */
    @Test
    void batchNormModelTrainsAndResumesWithItsRunningStatistics() throws IOException {
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        Path runs = temp.resolve("cnn-bn");
        double accuracy = oneSmallEpoch("cnn-bn", "Model FashionCnnBn: conv 3x3x32 + batch norm", data, runs);
        // evaluated with the running statistics: far above chance (0.1) only if they followed training
        assertTrue(accuracy > 0.5, "test accuracy after one small epoch: " + accuracy);
        Result more = run("--data", data.toString(), "--checkpoint-dir", runs.toString(), "--epochs", "2",
                "--threads", "2", "--resume");
        assertEquals(0, more.exit(), more.out() + more.err());
        assertTrue(more.out().contains("Model FashionCnnBn"), more.out());
        List<String> after = Files.readAllLines(runs.resolve("metrics.csv"));
        assertEquals(3, after.size(), "header and two epochs: " + after);
    }

    @Test
    void cnnWithSgdIsAnErrorThatSaysWhy() {
        Result result = run("--model", "cnn", "--optimizer", "sgd", "--checkpoint-dir", temp.toString());
        assertEquals(1, result.exit());
        assertTrue(result.err().contains("--model cnn trains with its own optimizer only (adam for cnn, adamw for "
                + "cnn-bn); drop --optimizer sgd"), result.err());
        Result unknown = run("--model", "resnet", "--checkpoint-dir", temp.toString());
        assertTrue(unknown.err().contains("unknown model 'resnet'; choose one of mlp, cnn, cnn-bn"), unknown.err());
    }

    @Test
    void damagedCheckpointIsRefusedWithTheFileNamed() throws IOException {
        Path runs = Files.createDirectories(temp.resolve("runs"));
        Files.write(runs.resolve("checkpoint.ftc"), new byte[] {'F', 'T', 'C', 'K', 'P', 'T', '\r', '\n', 0, 0});
        Result result = run("--checkpoint-dir", runs.toString(), "--resume");
        assertEquals(1, result.exit());
        assertTrue(result.err().contains("checkpoint.ftc refused: truncated"), result.err());
    }

    @Test
    void missingDataSaysWhereToGetIt() {
        Result result = run("--data", temp.resolve("empty").toString(), "--checkpoint-dir",
                temp.resolve("runs").toString());
        assertEquals(2, result.exit());
        assertTrue(result.out().contains("Fashion-MNIST files missing in") && result.out().contains(DataSetup.SOURCE),
                result.out());
    }

    @Test
    void unknownScheduleAndOptimizerAreErrors() {
        Result schedule = run("--schedule", "sideways", "--checkpoint-dir", temp.toString());
        assertEquals(1, schedule.exit());
        assertTrue(schedule.err().contains("unknown schedule 'sideways'; choose one of unfused, backward, forward"),
                schedule.err());
        Result optimizer = run("--optimizer", "lbfgs", "--checkpoint-dir", temp.toString());
        assertTrue(optimizer.err().contains("unknown optimizer 'lbfgs'; choose one of adam, sgd"), optimizer.err());
    }

    @Test
    void devicesTheSampleCannotUseAreErrorsThatSayWhy() throws IOException {
        Result unknown = run("--device", "tpu", "--checkpoint-dir", temp.toString());
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("device must be cpu, cuda or cuda:N (N a GPU index), got 'tpu'"), unknown.err());
        Result pinned = run("--distributed", "--device", "cuda:1", "--checkpoint-dir", temp.toString());
        assertEquals(1, pinned.exit());
        assertTrue(pinned.err().contains("--device cuda:1 with --distributed: use --device cuda, which puts each rank "
                + "on the GPU of its local rank"), pinned.err());
        // the CNN's layers have no CUDA kernels: refused before any GPU is touched, on every machine
        Path data = RealData.subsetDir(temp.resolve("data"), 1280, 500);
        Result cnn = run("--data", data.toString(), "--model", "cnn", "--device", "cuda", "--checkpoint-dir",
                temp.resolve("runs").toString());
        assertEquals(1, cnn.exit());
        assertTrue(cnn.err().contains("run on Device.cpu() only for now (no CUDA kernels yet)"), cnn.err());
        assertTrue(Files.notExists(temp.resolve("runs").resolve(FashionMnistCli.CHECKPOINT)));
    }

    @Test
    void helpListsEveryOption() {
        StringWriter out = new StringWriter();
        CommandLine cli = FashionMnistCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("--help"));
        for (String option : List.of("--epochs", "--batch-size", "--lr", "--model", "--optimizer", "--schedule", "--threads",
                "--seed", "--checkpoint-dir", "--resume", "--data", "--device", "--help")) {
            assertTrue(out.toString().contains(option), option);
        }
    }
}
