package dev.fusedtrainer.samples.fashion;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.fusedtrainer.runtime.Evaluation;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.checkpoint.Checkpoint;
import dev.fusedtrainer.runtime.checkpoint.CheckpointException;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.data.BatchStream;
import dev.fusedtrainer.runtime.data.FashionMnist;
import dev.fusedtrainer.runtime.data.LabelledImages;
import dev.fusedtrainer.runtime.dist.Communicator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One training run: a trainer, the shuffled batch stream that feeds it, the test set, and the
 * running statistics of the current epoch, all of which a checkpoint captures and restores.
 *
 * <p>Distributed (a communicator given), every rank builds the same session and calls the same
 * methods in the same order: each trains on its share of every global batch, statistics count the
 * global batch, and a checkpoint is captured by all ranks but written by rank 0 alone.
 */
public final class TrainingSession implements AutoCloseable {
    /** Data seeds are derived from the run's seed so that weights and order do not share a stream. */
    private static final long DATA_SEED_SALT = 0x5DEECE66DL;

    private final RunSettings settings;
    private final Communicator comm;  // null: this process alone
    private final Trainer trainer;
    private final BatchStream stream;
    private final float[] testInputs;
    private final int[] testLabels;

    private int learningRateEpoch = -1;
    private double epochLossSum;
    private long epochSamples;
    private double epochTrainSeconds;

    public TrainingSession(RunSettings settings, int threads, LabelledImages train, LabelledImages test) {
        this(settings, threads, train, test, null, false);
    }

    /**
     * One rank's session of a data-parallel run over {@code comm} ({@code null}: this process alone);
     * {@code settings.batchSize()} is the global batch, split over the ranks.
     */
    public TrainingSession(RunSettings settings, int threads, LabelledImages train, LabelledImages test,
                           Communicator comm, boolean shardOptimizerState) {
        this(settings, threads, train, test, Device.cpu(), comm, shardOptimizerState);
    }

    /** As {@link #TrainingSession(RunSettings, int, LabelledImages, LabelledImages, Communicator, boolean)}, on {@code device}. */
    public TrainingSession(RunSettings settings, int threads, LabelledImages train, LabelledImages test, Device device,
                           Communicator comm, boolean shardOptimizerState) {
        this.settings = settings;
        this.comm = comm;
        int rank = comm == null ? 0 : comm.rank();
        int ranks = comm == null ? 1 : comm.size();
        // the stream first: it refuses a batch too small to share before any rank builds a trainer
        this.stream = new BatchStream(train, settings.batchSize(), settings.seed() ^ DATA_SEED_SALT,
                FashionMnist.MEAN, FashionMnist.STD, rank, ranks);
        int maxShare = (settings.batchSize() + ranks - 1) / ranks;
        this.trainer = settings.model().build(settings.schedule(), settings.seed(), threads, maxShare, device,
                comm, shardOptimizerState);
        try {
            this.testInputs = new float[test.size() * test.features()];
            for (int i = 0; i < test.size(); i++) {
                test.copyNormalized(i, testInputs, i * test.features(), FashionMnist.MEAN, FashionMnist.STD);
            }
            this.testLabels = test.labels().clone();
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
    }

    public RunSettings settings() {
        return settings;
    }

    public Trainer trainer() {
        return trainer;
    }

    public int epoch() {
        return stream.epoch();
    }

    public int batchesPerEpoch() {
        return stream.batchesPerEpoch();
    }

    /** Batches of the current epoch already trained. */
    public int batchInEpoch() {
        return stream.batchInEpoch();
    }

    public boolean epochFinished() {
        return stream.batchInEpoch() == stream.batchesPerEpoch();
    }

    /** Trains on the next batch and returns its mean loss (over the global batch, when distributed). */
    public float step() {
        long start = System.nanoTime();
        applyLearningRate(stream.epochOfNextBatch());
        BatchStream.Batch batch = stream.next();
        float loss = trainer.step(batch.inputs(), batch.labels());
        epochTrainSeconds += (System.nanoTime() - start) * 1e-9;
        epochLossSum += (double) loss * batch.globalSize();
        epochSamples += batch.globalSize();
        return loss;
    }

    /**
     * Sets the epoch's learning rate when the epoch changes. A function of the epoch alone, so a
     * resumed run gets the same rate as an uninterrupted one.
     */
    private void applyLearningRate(int epoch) {
        if (epoch != learningRateEpoch && settings.overridesLearningRate()) {
            LearningRate.override(trainer, settings.model(), settings.learningRate(epoch));
        }
        learningRateEpoch = epoch;
    }

    /** The learning rate the next step trains with. */
    public double currentLearningRate() {
        return settings.learningRate(stream.epochOfNextBatch());
    }

    public long samplesThisEpoch() {
        return epochSamples;
    }

    public double trainSecondsThisEpoch() {
        return epochTrainSeconds;
    }

    /** Mean training loss of the epoch so far. */
    public double epochTrainLoss() {
        return epochSamples == 0 ? Double.NaN : epochLossSum / epochSamples;
    }

    /** Every rank evaluates the whole test set (it may flush deferred updates, a collective). */
    public Evaluation evaluateTest() {
        return trainer.evaluate(testInputs, testLabels);
    }

    /** Ends the epoch's statistics; call after {@link #epochFinished()} and the epoch's evaluation. */
    public void resetEpochStatistics() {
        epochLossSum = 0;
        epochSamples = 0;
        epochTrainSeconds = 0;
    }

    public Checkpoint checkpoint() {
        Map<String, String> values = settings.toMap();
        values.put("epoch-loss-sum", Double.toString(epochLossSum));
        values.put("epoch-samples", Long.toString(epochSamples));
        values.put("epoch-train-seconds", Double.toString(epochTrainSeconds));
        return Checkpoint.capture(trainer.modelName(), settings.schedule().name(), trainer.state(), stream.position(),
                values);
    }

    /** Saves the run atomically. Distributed, every rank calls it (capturing is collective); rank 0 writes. */
    public void saveCheckpoint(Path file) throws IOException {
        Checkpoint checkpoint = checkpoint();
        if (comm == null || comm.rank() == 0) {
            CheckpointFile.write(file, checkpoint);
        }
    }

    /**
     * Reads a checkpoint on every rank of {@code comm} (null: this process alone). Rank 0 reads the
     * file and broadcasts its bytes, so the other ranks need no shared filesystem; when rank 0 cannot
     * read it, it broadcasts its message instead and every rank throws with that reason (whichever
     * rank ends the job first, the reason is in its message).
     */
    public static Checkpoint readCheckpoint(Path file, Communicator comm) throws IOException {
        if (comm == null || comm.size() == 1) {
            return CheckpointFile.read(file);
        }
        if (comm.rank() == 0) {
            byte[] bytes;
            try {
                bytes = CheckpointFile.readBytes(file);
            } catch (IOException e) {
                comm.broadcastBytes(null, 0);  // "no checkpoint", then why
                comm.broadcastBytes(String.valueOf(e.getMessage()).getBytes(UTF_8), 0);
                throw e;
            }
            comm.broadcastBytes(bytes, 0);
            return CheckpointFile.decode(file, bytes);
        }
        byte[] bytes = comm.broadcastBytes(null, 0);
        if (bytes == null) {
            throw new IOException("rank 0: " + new String(comm.broadcastBytes(null, 0), UTF_8));
        }
        return CheckpointFile.decode(file, bytes);
    }

    /** The settings a checkpoint was trained with (to build a session that can resume it). */
    public static RunSettings settingsOf(Path file, Checkpoint checkpoint) throws CheckpointException {
        try {
            return RunSettings.fromMap(checkpoint.settings());
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "its run settings are unreadable (" + e.getMessage() + ")");
        }
    }

    /** Continues the run saved in {@code checkpoint}; this session must have been built with its settings. */
    public void resume(Path file, Checkpoint checkpoint) throws CheckpointException {
        if (!settingsOf(file, checkpoint).equals(settings)) {
            throw new CheckpointException(file, "it was trained with " + settingsOf(file, checkpoint)
                    + ", this session uses " + settings);
        }
        try {
            checkpoint.restoreInto(trainer.state());
            stream.restore(checkpoint.data());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage());
        }
        Map<String, String> values = new HashMap<>(checkpoint.settings());
        epochLossSum = Double.parseDouble(values.getOrDefault("epoch-loss-sum", "0"));
        epochSamples = Long.parseLong(values.getOrDefault("epoch-samples", "0"));
        epochTrainSeconds = Double.parseDouble(values.getOrDefault("epoch-train-seconds", "0"));
    }

    @Override
    public void close() {
        trainer.close();
    }
}
