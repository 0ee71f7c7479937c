package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Evaluation;
import dev.fusedtrainer.runtime.checkpoint.Checkpoint;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.data.FashionMnist;
import dev.fusedtrainer.runtime.data.IdxFormatException;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.NcclCommunicator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Trains {@link FashionMlp} (or a variant, or {@link FashionCnn}) on Fashion-MNIST, with checkpoints, metrics and a chart. */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true, sortOptions = false, version = "FusedTrainer 0.1.0",
        description = {
            "Trains a 784-256-128-10 ReLU MLP (or, with --model cnn, a small CNN) on Fashion-MNIST with a "
                    + "FusedTrainer-generated trainer.",
            "Defaults: Adam, lr 1e-3 decayed x0.8 per epoch, batch 64, 10 epochs, FORWARD schedule.",
            "Writes checkpoint.ftc (after every epoch), metrics.csv and training.png to the checkpoint directory."})
public final class FashionMnistCli implements Callable<Integer> {
    static final String CHECKPOINT = "checkpoint.ftc";
    static final String METRICS = "metrics.csv";
    static final String CHART = "training.png";
    static final double DEFAULT_LR_DECAY = 0.8;
    static final String DEFAULT_SCHEDULE = "forward";

    @Option(names = "--epochs", paramLabel = "N", description = "Train until N epochs are done (default: ${DEFAULT-VALUE}).")
    int epochs = 10;

    @Option(names = "--batch-size", paramLabel = "N", description = "Samples per step (default: 64).")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "RATE", description = "Learning rate; overrides the model's annotated one "
            + "(adam: 1e-3, sgd: 0.01).")
    Double learningRate;

    @Option(names = "--lr-decay", paramLabel = "FACTOR", description = "Multiply the learning rate by FACTOR "
            + "after every epoch; 1 keeps it constant (default: 0.8).")
    Double lrDecay;

    @Option(names = "--model", paramLabel = "NAME", description = "mlp (FashionMlp, 784-256-128-10), cnn "
            + "(FashionCnn: two 3x3 conv + max-pool stages, 32 and 64 filters, then 128-10) or cnn-bn (FashionCnnBn: "
            + "the same with batch norm after each convolution and dropout, AdamW) (default: mlp).")
    String model;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "adam (FashionMlp) or sgd (FashionMlpSgd, "
            + "momentum 0.9; mlp only) (default: adam).")
    String optimizer;

    @Option(names = "--schedule", paramLabel = "NAME", description = "When the optimizer update runs: unfused, "
            + "backward or forward (default: forward).")
    String schedule;

    @Option(names = "--threads", paramLabel = "N", description = "Kernel and BLAS threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the weights and the data order (default: 1).")
    Long seed;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Where checkpoint, metrics and chart go "
            + "(default: ${DEFAULT-VALUE}).")
    Path checkpointDir = Path.of("runs", "fashion-mnist");

    @Option(names = "--checkpoint-every", paramLabel = "STEPS", description = "Also checkpoint every STEPS steps "
            + "within an epoch (default: only at the end of each epoch).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run saved in the checkpoint directory, with its settings.")
    boolean resume;

    @Option(names = "--data", paramLabel = "DIR", description = "Directory with the four Fashion-MNIST IDX files, "
            + ".gz or raw (default: ${DEFAULT-VALUE}).")
    Path data = FashionMnist.DEBIAN_DIR;

    @Option(names = "--distributed", description = "Be one rank of a data-parallel job started by mpirun (the "
            + "launcher's --ranks N does this): --batch-size is the global batch, split over the ranks; rank 0 "
            + "prints and writes the checkpoint, metrics and chart.")
    boolean distributed;

    @Option(names = "--shard-optimizer-state", description = "With --distributed: each rank keeps and updates only "
            + "its 1/N of the optimizer state (ZeRO-1), then the weights are all-gathered.")
    boolean shardOptimizerState;

    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu (default), cuda or cuda:N (the MLP only: "
            + "the CNNs' layers have no CUDA kernels yet). With --distributed, cuda puts each rank on the GPU of its "
            + "local rank and reduces the gradients with NCCL.")
    String device = "cpu";

    private PrintStream out = System.out;
    private Communicator comm;  // null: this process alone
    private Device trainOn = Device.cpu();

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new FashionMnistCli());
        // the launcher passes defaults (--threads, --checkpoint-dir) before the user's options: last one wins
        cli.setOverwrittenOptionsAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            System.out.flush();
            System.err.println("error: " + e.getMessage());
            if (!(e instanceof IOException || e instanceof IllegalArgumentException
                    || e instanceof UnsupportedOperationException)) {
                e.printStackTrace();
            }
            return 1;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        if (!distributed) {
            if (shardOptimizerState) {
                throw new IllegalArgumentException("--shard-optimizer-state shards over the ranks of a distributed "
                        + "job: add --distributed (or launch with ./fashion-mnist --ranks N)");
            }
            out = System.out;
            trainOn = Device.parse(device);
            return run();
        }
        Device asked = Device.parse(device);
        if (asked.kind() == Device.Kind.CUDA && device.contains(":")) {
            throw new IllegalArgumentException("--device " + device + " with --distributed: use --device cuda, which "
                    + "puts each rank on the GPU of its local rank (one rank per GPU)");
        }
        try {
            if (asked.kind() == Device.Kind.CUDA) {
                comm = Communicator.nccl();
                trainOn = Device.cuda(NcclCommunicator.localRank());
            } else {
                comm = Communicator.mpi();
            }
        } catch (IllegalStateException e) {  // not under mpirun, or MPI not installed: the message says what to do
            throw new IllegalArgumentException("--distributed: " + e.getMessage()
                    + ". ./fashion-mnist --ranks N starts the job for you", e);
        }
        // rank 0 speaks for the job; the others train silently
        out = comm.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
        try {
            return run();
        } catch (Exception | Error e) {
            // a rank that fails alone would leave the others waiting in a collective: end the whole job now
            System.out.flush();
            if (!(e instanceof IOException || e instanceof IllegalArgumentException)) {
                e.printStackTrace();
            }
            comm.abort(e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        } finally {
            comm.close();
        }
    }

    private boolean speaksForJob() {
        return comm == null || comm.rank() == 0;
    }

    private Integer run() throws Exception {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        Path checkpointFile = checkpointDir.resolve(CHECKPOINT);
        Checkpoint saved = null;
        RunSettings settings;
        if (resume) {
            saved = TrainingSession.readCheckpoint(checkpointFile, comm);
            settings = TrainingSession.settingsOf(checkpointFile, saved);
            checkSameAsCheckpoint(settings);
        } else {
            settings = settingsFromOptions();
        }

        if (!dataReady()) {
            return 2;
        }
        out.println("Loading Fashion-MNIST from " + data + " ...");
        FashionMnist dataset;
        try {
            dataset = FashionMnist.load(data);
        } catch (IdxFormatException e) {
            throw new IOException("Fashion-MNIST file is damaged: " + e.getMessage()
                    + " (reinstall the package or download the file again)", e);
        }

        MetricsCsv metrics = null;
        if (speaksForJob()) {
            Files.createDirectories(checkpointDir);
            metrics = new MetricsCsv(checkpointDir.resolve(METRICS));
        }
        try (TrainingSession session = new TrainingSession(settings, threads, dataset.train(), dataset.test(), trainOn,
                comm, shardOptimizerState)) {
            if (saved != null) {
                session.resume(checkpointFile, saved);
                out.printf(Locale.ROOT, "Resumed from %s: epoch %d, step %d of %d in it, %d steps done.%n",
                        checkpointFile, session.epoch() + 1, session.batchInEpoch(), session.batchesPerEpoch(),
                        session.trainer().stepCount());
                if (metrics != null) {
                    metrics.keepEpochs(session.epoch());
                }
            } else {
                if (Files.exists(checkpointFile)) {
                    out.println("Starting a new run: replacing the checkpoint in " + checkpointDir
                            + " (use --resume to continue it instead).");
                }
                if (metrics != null) {
                    metrics.keepEpochs(0);
                }
            }
            describe(session);
            train(session, checkpointFile, metrics);
        }
        if (metrics != null) {
            Path chart = checkpointDir.resolve(CHART);
            TrainingChart.write(chart, settings.model().modelName() + " on Fashion-MNIST (" + settings.model().optimizerName() + ", "
                    + settings.schedule().name().toLowerCase() + ")", metrics.rows());
            out.println("Wrote " + checkpointFile + ", " + metrics.file() + " and " + chart);
        }
        return 0;
    }

    /**
     * Makes sure the data is there, printing what to do when it is not. Distributed, rank 0 goes first
     * (it may install the package) and tells the others; every machine needs the files at the same path.
     */
    private boolean dataReady() {
        boolean ready = true;
        if (speaksForJob()) {
            try {
                DataSetup.ensure(data, out);
            } catch (DataSetup.DataMissing e) {
                System.err.println(e.getMessage());
                ready = false;
            }
        }
        if (comm != null) {
            ready = comm.broadcastBytes(ready ? new byte[0] : null, 0) != null;
            if (ready && comm.rank() != 0 && !FashionMnist.missingFiles(data).isEmpty()) {
                throw new IllegalArgumentException("rank " + comm.rank() + ": Fashion-MNIST files missing in " + data
                        + " " + FashionMnist.missingFiles(data) + "; every machine of the job needs them at the same "
                        + "path (--data DIR)");
            }
        }
        return ready;
    }

    private RunSettings settingsFromOptions() {
        ModelVariant variant = ModelVariant.of(model, optimizer);
        Schedule chosen = parseSchedule(schedule == null ? DEFAULT_SCHEDULE : schedule);
        return new RunSettings(variant, chosen, batchSize == null ? 64 : batchSize,
                learningRate == null ? variant.annotatedLearningRate() : learningRate,
                lrDecay == null ? DEFAULT_LR_DECAY : lrDecay, seed == null ? 1 : seed);
    }

    private static Schedule parseSchedule(String name) {
        for (Schedule s : Schedule.values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown schedule '" + name + "'; choose one of unfused, backward, forward");
    }

    /** A resumed run keeps its settings; an option that asks for a different value is an error, not ignored. */
    private void checkSameAsCheckpoint(RunSettings saved) {
        StringBuilder conflicts = new StringBuilder();
        if (model != null && !model.equalsIgnoreCase(saved.model().architecture())) {
            conflicts.append(" --model ").append(saved.model().architecture());
        }
        if (optimizer != null && !optimizer.equalsIgnoreCase(saved.model().optimizerName())) {
            conflicts.append(" --optimizer ").append(saved.model().optimizerName());
        }
        if (schedule != null && parseSchedule(schedule) != saved.schedule()) {
            conflicts.append(" --schedule ").append(saved.schedule().name().toLowerCase());
        }
        if (batchSize != null && batchSize != saved.batchSize()) {
            conflicts.append(" --batch-size ").append(saved.batchSize());
        }
        if (learningRate != null && learningRate != saved.learningRate()) {
            conflicts.append(" --lr ").append(saved.learningRate());
        }
        if (lrDecay != null && lrDecay != saved.lrDecay()) {
            conflicts.append(" --lr-decay ").append(saved.lrDecay());
        }
        if (seed != null && seed != saved.seed()) {
            conflicts.append(" --seed ").append(saved.seed());
        }
        if (conflicts.length() > 0) {
            throw new IllegalArgumentException("--resume continues the saved run, which was trained with"
                    + conflicts + "; drop those options or pass the saved values (or start a new run without "
                    + "--resume, in another --checkpoint-dir)");
        }
    }

    private void describe(TrainingSession session) {
        RunSettings s = session.settings();
        String ranks = comm == null ? "" : String.format(Locale.ROOT, " per rank; %d ranks share each batch (%s%s)",
                comm.size(), trainOn.kind() == Device.Kind.CUDA ? "NCCL on one GPU per rank, MPI" : "MPI",
                shardOptimizerState ? ", sharded optimizer state" : "");
        String where = trainOn.kind() == Device.Kind.CPU ? "" : ", on " + (comm == null ? trainOn : "cuda");
        out.printf(Locale.ROOT, "Model %s: %s, %,d parameters, %s lr=%s%s, schedule %s, "
                        + "batch %d, seed %d, %d thread%s%s%s%n",
                session.trainer().modelName(), s.model().summary(), s.model().layout().parameterCount(), s.model().optimizerKind(),
                s.learningRate(), s.lrDecay() == 1 ? "" : " x" + s.lrDecay() + " per epoch",
                s.schedule().name().toLowerCase(), s.batchSize(), s.seed(), threads, threads == 1 ? "" : "s", where, ranks);
    }

    private void train(TrainingSession session, Path checkpointFile, MetricsCsv metrics) throws IOException {
        if (session.epoch() >= epochs) {
            out.println("The saved run has already trained " + session.epoch() + " epochs; pass --epochs N with a "
                    + "larger N to train further.");
            return;
        }
        Progress progress = speaksForJob() ? Progress.forStdout() : new Progress.Lines(out);
        int batchSize = session.settings().batchSize();
        while (session.epoch() < epochs) {
            int epoch = session.epoch();
            progress.startEpoch(epoch, epochs, session.batchInEpoch(), session.batchesPerEpoch(), batchSize);
            while (!session.epochFinished()) {
                float loss = session.step();
                if (!Float.isFinite(loss)) {
                    throw new IllegalStateException("training diverged: loss is " + loss + " at step "
                            + session.trainer().stepCount() + " (try a smaller --lr)");
                }
                progress.step(session.batchInEpoch(), loss);
                if (checkpointEvery > 0 && session.trainer().stepCount() % checkpointEvery == 0
                        && !session.epochFinished()) {
                    session.saveCheckpoint(checkpointFile);
                }
            }
            progress.endEpochSteps();
            long evalStart = System.nanoTime();
            Evaluation test = session.evaluateTest();
            double evalSeconds = (System.nanoTime() - evalStart) * 1e-9;
            double trainSeconds = session.trainSecondsThisEpoch();
            MetricsCsv.Row row = new MetricsCsv.Row(epoch + 1, session.trainer().stepCount(), session.epochTrainLoss(),
                    test.loss(), test.accuracy(), trainSeconds + evalSeconds,
                    session.samplesThisEpoch() / trainSeconds);
            progress.line(String.format(Locale.ROOT, "epoch %2d/%d  train loss %.4f  test loss %.4f  "
                            + "test accuracy %.2f%%  epoch time %.1f s (train %.1f s, %,.0f samples/s, lr %.3g)",
                    epoch + 1, epochs, row.trainLoss(), row.testLoss(), 100 * row.testAccuracy(), row.epochSeconds(),
                    trainSeconds, row.samplesPerSecond(), session.settings().learningRate(epoch)));
            if (metrics != null) {
                metrics.append(row);
            }
            session.resetEpochStatistics();
            session.saveCheckpoint(checkpointFile);
        }
    }
}
