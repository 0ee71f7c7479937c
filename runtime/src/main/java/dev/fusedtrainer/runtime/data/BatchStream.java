package dev.fusedtrainer.runtime.data;

/**
 * Mini-batches over a {@link LabelledImages} set in a fresh random order each epoch, written into
 * arrays allocated once (no allocation per step). The order comes from a {@link SplitMix64} seeded
 * once; the stream's whole position ({@link Position}) can be saved and restored, so a resumed run
 * sees exactly the batches an uninterrupted one would.
 *
 * <p>An epoch is {@code ceil(size / batchSize)} batches; the last one may be smaller, and is then
 * returned in a second, smaller pair of arrays (the trainer infers the batch size from the length).
 *
 * <p>For data-parallel training every rank builds the stream with the same seed and its own
 * {@code rank}: all ranks walk the same global order, and each takes its contiguous share of every
 * global batch ({@code batchSize · r / ranks} to {@code batchSize · (r + 1) / ranks}). The position
 * is the global one, so a checkpoint resumes at any number of ranks.
 */
public final class BatchStream {

    /** Where a stream stands: the epoch (from 0), the next sample index in it, the order and the RNG. */
    public record Position(int epoch, int cursor, int[] order, long rngState) {
    }

    /**
     * One batch (this rank's share of it): views of the stream's reused arrays, valid until the next
     * call to {@link #next}. {@code globalSize} is the batch's size over all ranks.
     */
    public record Batch(float[] inputs, int[] labels, int size, int globalSize) {
    }

    private final LabelledImages data;
    private final int batchSize;
    private final float mean;
    private final float std;
    private final Batch full;
    private final Batch last;
    private final int[] order;
    private final int rank;
    private final int ranks;
    private SplitMix64 random;
    private int epoch;
    private int cursor;

    public BatchStream(LabelledImages data, int batchSize, long seed, float mean, float std) {
        this(data, batchSize, seed, mean, std, 0, 1);
    }

    /** Rank {@code rank}'s shares of the global batches of {@code batchSize} samples over {@code ranks} ranks. */
    public BatchStream(LabelledImages data, int batchSize, long seed, float mean, float std, int rank, int ranks) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, " + ranks + ")");
        }
        this.data = data;
        this.batchSize = Math.min(batchSize, data.size());
        this.rank = rank;
        this.ranks = ranks;
        int rest = data.size() % this.batchSize;
        if (this.batchSize < ranks || (rest != 0 && rest < ranks)) {
            throw new IllegalArgumentException("a batch of " + (this.batchSize < ranks ? this.batchSize : rest)
                    + " samples cannot be split over " + ranks + " ranks (every rank needs at least one sample of "
                    + "every batch); choose a batch size of at least " + ranks + " whose last batch of the "
                    + data.size() + " samples also has at least " + ranks);
        }
        this.mean = mean;
        this.std = std;
        this.full = batch(this.batchSize);
        this.last = rest == 0 ? full : batch(rest);
        this.order = new int[data.size()];
        this.random = new SplitMix64(seed);
        shuffle();
    }

    private Batch batch(int globalSize) {
        int size = shareStart(globalSize, rank + 1) - shareStart(globalSize, rank);
        return new Batch(new float[size * data.features()], new int[size], size, globalSize);
    }

    /** Where rank r's share of a global batch of {@code globalSize} samples starts. */
    private int shareStart(int globalSize, int r) {
        return (int) ((long) globalSize * r / ranks);
    }

    private void shuffle() {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    public int batchesPerEpoch() {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /** Epoch of the next batch (0-based). */
    public int epoch() {
        return epoch;
    }

    /** Epoch of the batch that {@link #next} returns next. */
    public int epochOfNextBatch() {
        return cursor == order.length ? epoch + 1 : epoch;
    }

    /** Index of the next batch within its epoch. */
    public int batchInEpoch() {
        return (cursor + batchSize - 1) / batchSize;
    }

    /** The next batch; after the last batch of an epoch the next epoch starts with a new order. */
    public Batch next() {
        if (cursor == order.length) {
            epoch++;
            cursor = 0;
            shuffle();
        }
        Batch batch = order.length - cursor >= batchSize ? full : last;
        int features = data.features();
        int first = cursor + shareStart(batch.globalSize(), rank);
        for (int i = 0; i < batch.size(); i++) {
            int sample = order[first + i];
            data.copyNormalized(sample, batch.inputs(), i * features, mean, std);
            batch.labels()[i] = data.labels()[sample];
        }
        cursor += batch.globalSize();
        return batch;
    }

    /** True when the next call to {@link #next} starts a new epoch (or the stream is at its start). */
    public boolean atEpochBoundary() {
        return cursor == order.length || cursor == 0;
    }

    /** A snapshot; a finished epoch is reported as the start of the next one. */
    public Position position() {
        if (cursor == order.length) {
            // Roll over now so that the saved order is the one the next batch will use.
            epoch++;
            cursor = 0;
            shuffle();
        }
        return new Position(epoch, cursor, order.clone(), random.state());
    }

    public void restore(Position position) {
        if (position.order().length != order.length) {
            throw new IllegalArgumentException("saved data order covers " + position.order().length
                    + " samples, this data set has " + order.length);
        }
        if (position.cursor() < 0 || position.cursor() > order.length) {
            throw new IllegalArgumentException("saved cursor " + position.cursor() + " is outside [0, "
                    + order.length + "]");
        }
        boolean[] seen = new boolean[order.length];
        for (int index : position.order()) {
            if (index < 0 || index >= order.length || seen[index]) {
                throw new IllegalArgumentException("saved data order is not a permutation of 0.."
                        + (order.length - 1));
            }
            seen[index] = true;
        }
        System.arraycopy(position.order(), 0, order, 0, order.length);
        this.epoch = position.epoch();
        this.cursor = position.cursor();
        this.random = new SplitMix64(position.rngState());
    }
}
