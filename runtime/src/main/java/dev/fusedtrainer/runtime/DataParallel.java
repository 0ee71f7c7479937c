package dev.fusedtrainer.runtime;

import dev.fusedtrainer.runtime.dist.CommThread;
import dev.fusedtrainer.runtime.dist.CommunicationStats;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.NcclCommunicator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The data-parallel half of a generated trainer: every rank trains the same model on its own shard of
 * each batch, and the generated step calls this class at fixed points so that the fused update still
 * sees exactly the gradient of the whole batch.
 *
 * <ul>
 * <li>{@link #beginStep} starts an all-reduce of the per-rank batch sizes (it overlaps the forward pass);
 *     {@link #scaleLossGradient} then scales this rank's loss gradient by {@code localBatch / totalBatch},
 *     so that summing the ranks' gradients gives the mean over the whole batch, uneven splits included.
 * <li>{@link #reduce} starts bucket k's reduction on the {@link CommThread} right after the gradient that
 *     completes it; the rest of backward runs meanwhile.
 * <li>{@link #update} waits for a layer's buckets and applies its optimizer update with the reduced
 *     gradient. All-reduce mode: the whole layer, on every rank. Sharded mode (ZeRO-1): the gradient was
 *     reduce-scattered, each rank updates only its block of each bucket with optimizer state it alone
 *     holds, and once every layer of a bucket is updated the weights are all-gathered; the gather is
 *     awaited only just before the weights' next use ({@link #awaitWeights}).
 * <li>An embedding table (the first layer) is not reduced with the buckets: after its backward, the ranks
 *     exchange the ids they looked up, all-reduce the gradient rows of the union only, and list the union
 *     for the sparse update, which then covers the rows one process on the whole batch would update.
 * <li>On a GPU the communicator is a {@link NcclCommunicator}: the buckets are all-reduced by NCCL on its own
 *     CUDA stream, ordered against the kernels by events, and waiting for a bucket is a stream wait, not a
 *     host wait; the host collectives (batch sizes, loss) still run on the {@link CommThread}.
 * </ul>
 *
 * Every rank must make the same calls in the same order (the generated code does); buffers handed to a
 * collective are not touched until it completes. The communicator belongs to the caller.
 */
public final class DataParallel implements AutoCloseable {
    private final ModelLayout layout;
    private final BucketPlan plan;
    private final Backend backend;
    private final int threads;
    private final Communicator comm;
    private final CommThread thread;
    private final NcclCommunicator device;   // GPU: NCCL reduces the buckets in device memory; null on the CPU
    private final boolean[] queuedOnDevice;  // GPU: bucket k's all-reduce is queued since its layers' last update
    private final boolean sharded;
    private final FloatPointer params;
    private final FloatPointer grads;
    private final FloatPointer[] fullState;
    private final DoublePointer[] hyperParameters;
    private final List<Pointer> owned = new ArrayList<>();

    private final CommThread.Pending[] reductions;
    private final CommThread.Pending[] gathers;
    private final int[] layersLeft;          // layers of the bucket not yet updated since its reduction
    private final int[][] bucketsOfLayer;
    private final int[] layersInBucket;
    private final int[][] layersOfBucket;
    private final boolean[] layerUpdated;    // since its buckets' last reduction

    private final FloatPointer batchSizes;   // [ranks]: this rank's batch at its index, then every rank's
    private final FloatPointer lossSum;      // [1]: this rank's loss × batch, then the sum over ranks
    private CommThread.Pending batchSizesReduced;
    private CommThread.Pending lossReduced;
    private int localBatch;
    private long totalBatch = -1;  // -1 until this step's sizes are in
    private float[] scratch = new float[0];

    // sharded mode: this rank's block of every bucket, concatenated, for the reduced gradient and the state
    private final FloatPointer shardGrads;
    private final long shardTotal;             // floats of shardGrads that are this rank's blocks
    private final FloatPointer squaredNorm;    // [1]: clipping's sum of squares, then its sum over ranks
    private final FloatPointer layerSquares;   // [layers]: per-layer clipping's sums of squares, then over ranks
    private final FloatPointer normSums;       // [2 · widest batch norm]: synchronised batch norm's per-channel sums
    private final FloatPointer normSquares;    // the forward's squares: normSums from the widest layer's width on
    private FloatPointer foldSum;              // accumulation: the cycle's local sum folded into each reduction
    private float foldWeight = 1;
    private final long[] shardOffsets;
    private final FloatPointer[] shardState;
    private final List<List<Piece>> piecesOfLayer = new ArrayList<>();

    // an embedding table (always the first layer): reduced over the union of the ranks' rows, not in the buckets
    private final TrainerCore core;
    private final int table;                   // its layer index, -1 without one
    private final long tableStart;
    private final long tableEnd;
    private final int tableUnits;
    private final FloatPointer tableGrads;     // the comm thread's own view of the gradient (it moves the position)
    private final FloatPointer tableCounts;    // [ranks]: each rank's number of ids, then every rank's
    private FloatPointer tableIds;             // [ranks · widest]: every rank's ids (exact as floats below 2^24)
    private FloatPointer tableRows;            // [union · units]: the union's gradient rows, packed
    private int[] unionStamp;                  // per table row: the exchange that last put it in the union
    private int stamp;
    private int[] union = new int[0];
    private float[] row = new float[0];
    private boolean tableQueued;               // this step's exchange is queued (with the first table bucket)

    /** Where one layer meets this rank's block of one bucket: flat parameter offset, shard offset, length. */
    private record Piece(long paramOffset, long shardOffset, long length, FloatPointer p, FloatPointer g,
                         FloatPointer s0, FloatPointer s1, FloatPointer s2) {
    }

    DataParallel(ModelLayout layout, BucketPlan plan, Backend backend, int threads, Communicator comm, boolean sharded,
                 FloatPointer params, FloatPointer grads, FloatPointer[] fullState, DoublePointer[] hyperParameters,
                 TrainerCore core) {
        if (!plan.layout().equals(layout)) {
            throw new IllegalArgumentException("bucket plan is for " + plan.layout().modelName() + ", not " + layout.modelName());
        }
        this.layout = layout;
        this.plan = plan;
        this.backend = backend;
        this.threads = threads;
        this.comm = comm;
        this.sharded = sharded;
        this.params = params;
        this.grads = grads;
        this.fullState = fullState;
        this.hyperParameters = hyperParameters;
        if (backend.device().kind() != Device.Kind.CPU) {
            if (!(comm instanceof NcclCommunicator nccl) || sharded) {
                throw new IllegalArgumentException("on " + backend.device() + " data-parallel training needs "
                        + "Communicator.nccl() and no sharded optimizer state");
            }
            device = nccl;
        } else {
            device = null;
        }
        this.core = core;
        table = layout.layers().get(0) instanceof EmbeddingLayout ? 0 : -1;  // a table is always the first layer
        if (table >= 0) {
            EmbeddingLayout t = (EmbeddingLayout) layout.layers().get(table);
            if (sharded || device != null || t.vocabulary() > (1 << 24)) {
                throw new UnsupportedOperationException(layout.modelName() + " has " + t.describe() + ": data-parallel "
                        + "embedding tables run in all-reduce mode on the CPU, with at most 2^24 rows (the ids travel "
                        + "as floats): use .shardOptimizerState(false) and Device.cpu()");
            }
            tableStart = layout.offsetOf(table);
            tableEnd = tableStart + t.parameterCount();
            tableUnits = t.units();
            tableGrads = new FloatPointer(grads);
            tableCounts = own(new FloatPointer(comm.size()));
            unionStamp = new int[t.vocabulary()];
        } else {
            tableStart = 0;
            tableEnd = 0;
            tableUnits = 0;
            tableGrads = null;
            tableCounts = null;
        }
        int buckets = plan.size();
        queuedOnDevice = new boolean[buckets];
        int n = layout.layers().size();
        reductions = new CommThread.Pending[buckets];
        gathers = new CommThread.Pending[buckets];
        layersLeft = new int[buckets];
        layersInBucket = new int[buckets];
        bucketsOfLayer = new int[n][];
        layerUpdated = new boolean[n];
        List<List<Integer>> layersOf = new ArrayList<>();
        for (int k = 0; k < buckets; k++) {
            layersOf.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            bucketsOfLayer[i] = plan.bucketsOf(i);
            for (int k : bucketsOfLayer[i]) {
                layersInBucket[k]++;
                layersOf.get(k).add(i);
            }
        }
        layersOfBucket = new int[buckets][];
        for (int k = 0; k < buckets; k++) {
            layersOfBucket[k] = layersOf.get(k).stream().mapToInt(Integer::intValue).toArray();
        }
        batchSizes = own(new FloatPointer(comm.size()));
        lossSum = own(new FloatPointer(1));
        squaredNorm = own(new FloatPointer(1));
        layerSquares = own(new FloatPointer(Math.max(1, layout.layers().size())));
        int widest = 1;
        for (LayerLayout layer : layout.layers()) {
            if (layer instanceof BatchNormLayout norm) {
                widest = Math.max(widest, norm.channels());
            }
        }
        normSums = own(new FloatPointer(2L * widest));
        normSquares = view(normSums, widest);

        if (sharded) {
            shardOffsets = new long[buckets];
            long shardTotal = 0;
            for (int k = 0; k < buckets; k++) {
                shardOffsets[k] = shardTotal;
                shardTotal += Communicator.blockLength(plan.length(k), comm.size(), comm.rank());
            }
            shardGrads = own(new FloatPointer(Math.max(1, shardTotal)));
            this.shardTotal = shardTotal;
            shardState = new FloatPointer[fullState.length];
            for (int slot = 0; slot < shardState.length; slot++) {
                if (usesSlot(slot)) {
                    shardState[slot] = own(new FloatPointer(Math.max(1, shardTotal)));
                }
            }
            for (int i = 0; i < n; i++) {
                long from = layout.offsetOf(i);
                long to = from + layout.layers().get(i).parameterCount();
                List<Piece> pieces = new ArrayList<>();
                for (int k : bucketsOfLayer[i]) {
                    long blockStart = plan.start(k) + Communicator.blockStart(plan.length(k), comm.size(), comm.rank());
                    long blockEnd = plan.start(k) + Communicator.blockStart(plan.length(k), comm.size(), comm.rank() + 1);
                    long a = Math.max(from, blockStart);
                    long b = Math.min(to, blockEnd);
                    if (a < b) {
                        long shardAt = shardOffsets[k] + (a - blockStart);
                        pieces.add(new Piece(a, shardAt, b - a, view(params, a), view(shardGrads, shardAt),
                                view(shardState[0], shardAt), view(shardState[1], shardAt), view(shardState[2], shardAt)));
                    }
                }
                piecesOfLayer.add(pieces);
                fillInitialState(i, pieces);
            }
        } else {
            shardGrads = null;
            this.shardTotal = 0;
            shardOffsets = null;
            shardState = null;
        }
        // every rank starts from rank 0's weights, whatever its seed
        if (device != null) {
            device.bindDevice(buckets);
            device.broadcastDevice(params, layout.parameterCount(), 0);
        } else {
            comm.broadcast(params, layout.parameterCount(), 0);
        }
        thread = new CommThread(comm);
    }

    /** Rank 0's seed on every rank (dropout masks derive from it, like the weights every rank starts from). */
    long rootSeed(long seed) {
        byte[] bytes = comm.broadcastBytes(comm.rank() == 0 ? java.nio.ByteBuffer.allocate(Long.BYTES).putLong(seed)
                .array() : null, 0);
        return java.nio.ByteBuffer.wrap(bytes).getLong();
    }

    private boolean usesSlot(int slot) {
        for (LayerLayout layer : layout.layers()) {
            if (layer.optimizer() != null && layer.optimizer().usesStateSlot(slot)) {
                return true;
            }
        }
        return false;
    }

    private void fillInitialState(int layer, List<Piece> pieces) {
        for (int slot = 0; slot < shardState.length; slot++) {
            OptimizerConfig optimizer = layout.layers().get(layer).optimizer();
            float initial = optimizer == null ? 0f : optimizer.initialState(slot);
            if (shardState[slot] == null || initial == 0f) {
                continue;
            }
            for (Piece piece : pieces) {
                float[] fill = new float[Math.toIntExact(piece.length())];
                Arrays.fill(fill, initial);
                backend.write(fill, 0, fill.length, shardState[slot], piece.shardOffset());
            }
        }
    }

    private static FloatPointer view(FloatPointer base, long at) {
        return base == null ? null : new FloatPointer(base).position(at);
    }

    /** Keeps {@code p} for {@link #close}, zero-filled (JavaCPP's allocation does not clear memory). */
    private <P extends Pointer> P own(P p) {
        owned.add(p);
        p.zero();
        return p;
    }

    public Communicator communicator() {
        return comm;
    }

    public BucketPlan plan() {
        return plan;
    }

    /** ZeRO-1: each rank keeps optimizer state for its block of every bucket only. */
    /**
     * A barrier queued after this trainer's collectives. Use it, not the communicator's own, while the
     * trainer lives: a step may return with reductions still queued (FORWARD awaits them at the next
     * forward), and a collective called from another thread could then start in a different order on
     * different ranks, which MPI does not allow.
     */
    public void barrier() {
        thread.barrier().await();
    }

    /** The queue this trainer's collectives run on; submit any other collective here while it lives. */
    public CommThread thread() {
        return thread;
    }

    /** This rank's communication so far (see {@link CommunicationStats}). */
    public CommunicationStats stats() {
        return thread.stats();
    }

    public boolean sharded() {
        return sharded;
    }

    /** Sharded mode: this rank's blocks of the reduced gradient (what its updates read); null otherwise. */
    public FloatPointer shardGradients() {
        return shardGrads;
    }

    /** Floats of {@link #shardGradients()}. */
    public long shardSize() {
        return shardTotal;
    }

    // ---- the step, called by generated code in this order ----

    /**
     * Starts the exchange of the batch sizes (an all-reduce of a vector holding each rank's size at its own index,
     * zeros elsewhere); every rank calls it with its own shard's size.
     */
    public void beginStep(int batch) {
        localBatch = batch;
        for (int r = 0; r < comm.size(); r++) {
            batchSizes.put(r, r == comm.rank() ? batch : 0);
        }
        batchSizesReduced = thread.allReduceSum(batchSizes, comm.size());
        totalBatch = -1;
    }

    /** Every rank's samples in this step (waits for the batch sizes). */
    private float totalBatch() {
        if (totalBatch < 0) {
            batchSizesReduced.await();
            long total = 0;
            for (int r = 0; r < comm.size(); r++) {
                total += (long) batchSizes.get(r);
            }
            totalBatch = total;
        }
        return totalBatch;
    }

    /** Every rank's samples in this step, as a count (waits for the batch sizes). */
    public long globalBatch() {
        return (long) totalBatch();
    }

    // ---- synchronised batch norm: the whole batch's statistics on every rank ----

    /**
     * A training forward of a batch norm layer normalised by the whole batch's statistics, as one process on it
     * would: this rank's per-channel sums, all-reduced; then its squares about the global mean, all-reduced (two
     * passes, as one process computes the variance); then the normalisation and the running statistics (every rank
     * moves them alike). The collectives run on the communication thread in order with the buckets' reductions.
     */
    public void batchNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer running,
                                 FloatPointer z, FloatPointer y, int batch, int channels, int spatial, float eps,
                                 float momentum, int activation, float slope) {
        long n = globalBatch() * spatial;
        FloatPointer sums = normSums;
        FloatPointer squares = normSquares;
        backend.batchNormSums(x, null, n, sums, batch, channels, spatial);
        thread.allReduceSum(sums, channels).await();
        backend.batchNormSums(x, sums, n, squares, batch, channels, spatial);
        thread.allReduceSum(squares, channels).await();
        backend.batchNormApply(x, p, sums, squares, n, stats, running, z, y, batch, channels, spatial, eps, momentum,
                activation, slope);
    }

    /**
     * The backward of {@link #batchNormForward}: g gets this rank's share of the parameter gradient (the buckets
     * reduce it with the rest), dx the input gradient through the whole batch's statistics, from the all-reduced
     * per-channel sums of dz and dz ⊙ x̂.
     */
    public void batchNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                                  FloatPointer dx, int batch, int channels, int spatial) {
        backend.batchNormGradSums(dz, x, stats, g, batch, channels, spatial);
        if (dx == null) {
            return;  // the first layer: nothing needs the whole batch's sums
        }
        FloatPointer sums = normSums;
        backend.axpby(g, 1, sums, 0, 2L * channels);
        thread.allReduceSum(sums, 2L * channels).await();
        backend.batchNormInputGrad(dz, x, p, stats, sums, globalBatch() * spatial, dx, batch, channels, spatial);
    }

    /**
     * The index, in the whole batch of this step, of this rank's first sample: ranks hold consecutive slices in
     * rank order, so per-sample randomness (dropout masks) indexed by it is what one process draws on the whole
     * batch. Waits for the batch sizes.
     */
    public long firstSample() {
        totalBatch();
        long first = 0;
        for (int r = 0; r < comm.rank(); r++) {
            first += (long) batchSizes.get(r);
        }
        return first;
    }

    /**
     * Scales d loss / d output (n floats of this rank's batch, already divided by the local batch by the
     * loss kernel) by {@code localBatch / totalBatch}, and starts the all-reduce of the loss.
     */
    public void scaleLossGradient(float loss, FloatPointer dy, long n) {
        float total = totalBatch();
        lossSum.put(0, loss * localBatch);
        lossReduced = thread.allReduceSum(lossSum, 1);
        if (total == localBatch) {
            return;
        }
        if (scratch.length < n) {
            scratch = new float[Math.toIntExact(n)];
        }
        backend.read(dy, 0, scratch, 0, (int) n);
        float factor = localBatch / total;
        for (int i = 0; i < n; i++) {
            scratch[i] *= factor;
        }
        backend.write(scratch, 0, (int) n, dy, 0);
    }

    /**
     * Gradient accumulation's last micro-batch: every bucket's gradient becomes {@code localSum + weight · gradient}
     * just before its reduction (null: reduce the gradient as it is); {@code localSum} covers the block past an
     * embedding table, whose rows sum in place.
     */
    public void foldBeforeReduction(FloatPointer localSum, float weight) {
        foldSum = localSum;
        foldWeight = weight;
    }

    /** Starts bucket k's reduction: all-reduce in place, or (sharded) reduce-scatter into this rank's block. */
    public void reduce(int bucket) {
        long start = plan.start(bucket);
        long length = plan.length(bucket);
        if (foldSum != null) {
            // the local sum starts past the embedding table (tableEnd, 0 without one): the table's rows summed in place
            long from = Math.max(start, tableEnd);
            if (from < start + length) {
                backend.axpby(view(foldSum, from - tableEnd), 1, view(grads, from), foldWeight, start + length - from);
            }
        }
        if (table >= 0 && start < tableEnd && start + length > tableStart) {
            reductions[bucket] = reduceAroundTable(start, start + length);
        } else if (device != null) {
            device.allReduceSumDevice(view(grads, start), length, bucket);
            queuedOnDevice[bucket] = true;
        } else if (sharded) {
            reductions[bucket] = thread.reduceScatterBlocks(view(grads, start), view(shardGrads, shardOffsets[bucket]), length);
        } else {
            reductions[bucket] = thread.allReduceSum(view(grads, start), length);
        }
        layersLeft[bucket] = layersInBucket[bucket];
        for (int layer : layersOfBucket[bucket]) {
            layerUpdated[layer] = false;
        }
    }

    /**
     * A bucket that holds (part of) the embedding table: the table's rows travel in the step's one sparse
     * exchange, queued with the first such bucket; the bucket's floats outside the table are all-reduced as usual.
     * Returns the last collective queued for it (the thread runs them in order).
     */
    private CommThread.Pending reduceAroundTable(long start, long end) {
        CommThread.Pending last = null;
        if (!tableQueued) {
            long listed = core.touchedRows(table);
            last = thread.submit("embedding rows (" + listed + " listed here)", () -> reduceTableRows(listed));
            tableQueued = true;
        }
        if (start < tableStart) {
            last = thread.allReduceSum(view(grads, start), tableStart - start);
        }
        if (end > tableEnd) {
            last = thread.allReduceSum(view(grads, tableEnd), end - tableEnd);
        }
        return last != null ? last : thread.submit("nothing (the table's rows travel with an earlier bucket)", () -> { });
    }

    /**
     * On the communication thread: every rank's list of looked-up ids (a count all-reduce, then an all-gather
     * padded to the longest list), their union in rank order (the same order on every rank), one all-reduce of
     * the union's gradient rows, packed; then the union's ids this rank did not look up join its list, so that
     * the sparse update covers every row the whole batch looked up, as in one process.
     */
    private void reduceTableRows(long listed) {
        int ranks = comm.size();
        IntPointer rows = core.embeddingRows(table);
        IntPointer marks = core.embeddingMarks(table);
        for (int r = 0; r < ranks; r++) {
            tableCounts.put(r, r == comm.rank() ? listed : 0);
        }
        comm.allReduceSum(tableCounts, ranks);
        long widest = 0;
        for (int r = 0; r < ranks; r++) {
            widest = Math.max(widest, (long) tableCounts.get(r));
        }
        if (widest == 0) {
            return;
        }
        tableIds = atLeast(tableIds, ranks * widest);
        long mine = comm.rank() * widest;
        for (long i = 0; i < listed; i++) {
            tableIds.put(mine + i, rows.get(i));
        }
        comm.allGather(tableIds, widest);
        stamp++;
        int united = 0;
        for (int r = 0; r < ranks; r++) {
            long count = (long) tableCounts.get(r);
            for (long i = 0; i < count; i++) {
                int id = (int) tableIds.get(r * widest + i);
                if (unionStamp[id] != stamp) {
                    unionStamp[id] = stamp;
                    if (united == union.length) {
                        union = Arrays.copyOf(union, Math.max(16, 2 * united));
                    }
                    union[united++] = id;
                }
            }
        }
        if (row.length < tableUnits) {
            row = new float[tableUnits];
        }
        tableRows = atLeast(tableRows, (long) united * tableUnits);
        for (int j = 0; j < united; j++) {
            tableGrads.position(tableStart + (long) union[j] * tableUnits).get(row, 0, tableUnits);
            tableRows.position((long) j * tableUnits).put(row, 0, tableUnits);
        }
        tableRows.position(0);
        comm.allReduceSum(tableRows, (long) united * tableUnits);
        long n = listed;
        for (int j = 0; j < united; j++) {
            tableRows.position((long) j * tableUnits).get(row, 0, tableUnits);
            tableGrads.position(tableStart + (long) union[j] * tableUnits).put(row, 0, tableUnits);
            if (marks.get(union[j]) == 0) {
                marks.put(union[j], 1);
                rows.put(n++, union[j]);
            }
        }
        tableRows.position(0);
        tableGrads.position(0);
        core.setTouchedRows(table, n);
    }

    /** {@code p} if it holds {@code n} floats, else a new buffer that does (owned, freed by close). */
    private FloatPointer atLeast(FloatPointer p, long n) {
        if (p != null && p.capacity() >= n) {
            return p;
        }
        if (p != null) {
            owned.remove(p);
            p.close();
        }
        return own(new FloatPointer(Math.max(1, n)));
    }

    /** Waits for the buckets that hold {@code layer}'s gradient. */
    private void awaitReduced(int layer) {
        for (int k : bucketsOfLayer[layer]) {
            if (device != null && queuedOnDevice[k]) {
                device.awaitDevice(k);  // the GPU waits, the host goes on queueing
                continue;
            }
            CommThread.Pending pending = reductions[k];
            if (pending == null) {
                throw new IllegalStateException("layer " + layout.layers().get(layer).name() + " of " + layout.modelName()
                        + " has no reduced gradient to apply: bucket " + k + " was not reduced since its last update");
            }
            pending.await();
        }
    }

    /** Waits for every bucket's reduction of this step: the whole averaged gradient (or this rank's blocks) is in. */
    public void awaitAllReductions() {
        for (int k = 0; k < queuedOnDevice.length; k++) {
            if (queuedOnDevice[k]) {
                device.awaitDevice(k);
            }
        }
        for (CommThread.Pending pending : reductions) {
            if (pending != null) {
                pending.await();
            }
        }
    }

    /**
     * Global gradient-norm clipping of this step's averaged gradient, as {@code clip_grad_norm_}; call after
     * backward, before any update. Waits for every bucket (giving up overlap with the next forward only).
     * All-reduce mode: every rank holds the same gradient and computes the same norm, no collective.
     * Sharded: each rank sums the squares of its blocks and one all-reduce adds the parts. Returns the norm.
     */
    public double clipGradientNorm(double maxNorm) {
        awaitAllReductions();
        FloatPointer gradient = sharded ? shardGrads : grads;
        long n = sharded ? shardTotal : layout.parameterCount();
        double squares = backend.sumOfSquares(gradient, n);
        if (sharded) {
            squaredNorm.put(0, (float) squares);
            thread.allReduceSum(squaredNorm, 1).await();
            squares = squaredNorm.get(0);
        }
        double norm = Math.sqrt(squares);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            backend.scale(gradient, n, (float) coefficient);
        }
        return norm;
    }

    /**
     * Per-layer gradient-norm clipping of this step's averaged gradient: each layer's (weights and bias) scaled by
     * {@code maxNorm / (norm + 1e-6)} where that is below 1; call after backward, before any update. All-reduce
     * mode: every rank holds the whole gradient, no collective. Sharded: each rank sums the squares of its pieces
     * of every layer and one all-reduce of the per-layer sums gives every rank every layer's norm.
     */
    public void clipLayerGradientNorms(double maxNorm) {
        awaitAllReductions();
        int layers = layout.layers().size();
        double[] squares = new double[layers];
        for (int layer = 0; layer < layers; layer++) {
            if (!sharded) {
                long n = layout.layers().get(layer).parameterCount();
                squares[layer] = n == 0 ? 0 : backend.sumOfSquares(view(grads, layout.offsetOf(layer)), n);
                continue;
            }
            for (Piece piece : piecesOfLayer.get(layer)) {
                squares[layer] += backend.sumOfSquares(piece.g(), piece.length());
            }
        }
        if (sharded) {
            layerSquares.put(toFloats(squares));
            thread.allReduceSum(layerSquares, layers).await();
            for (int layer = 0; layer < layers; layer++) {
                squares[layer] = layerSquares.get(layer);
            }
        }
        for (int layer = 0; layer < layers; layer++) {
            double coefficient = maxNorm / (Math.sqrt(squares[layer]) + 1e-6);
            if (coefficient >= 1) {
                continue;
            }
            if (!sharded) {
                backend.scale(view(grads, layout.offsetOf(layer)), layout.layers().get(layer).parameterCount(),
                        (float) coefficient);
                continue;
            }
            for (Piece piece : piecesOfLayer.get(layer)) {
                backend.scale(piece.g(), piece.length(), (float) coefficient);
            }
        }
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    /** Applies {@code layer}'s optimizer update (update number {@code step}) with the reduced gradient. */
    public void update(int layer, long step) {
        if (layerUpdated[layer]) {
            return;  // sharded FORWARD: done already, with the rest of a bucket that an earlier layer needed
        }
        awaitReduced(layer);
        DoublePointer hp = hyperParameters[layer];
        if (layer == table) {
            backend.embeddingUpdate(hp, step, view(params, tableStart), view(grads, tableStart),
                    view(fullState[0], tableStart), view(fullState[1], tableStart), view(fullState[2], tableStart),
                    core.embeddingRows(table), core.embeddingMarks(table), core.touchedRows(table), tableUnits, threads);
            core.setTouchedRows(table, 0);
        } else if (!sharded) {
            long at = layout.offsetOf(layer);
            LayerLayout l = layout.layers().get(layer);
            backend.optimUpdateLayer(hp, step, view(params, at), view(grads, at), view(fullState[0], at),
                    view(fullState[1], at), view(fullState[2], at), l.weightCount(), l.parameterCount(), threads);
        } else {
            // a piece may hold weights, biases or both: the layer's weight boundary, relative to the piece
            long weightsEnd = layout.offsetOf(layer) + layout.layers().get(layer).weightCount();
            for (Piece piece : piecesOfLayer.get(layer)) {
                backend.optimUpdateLayer(hp, step, piece.p(), piece.g(), piece.s0(), piece.s1(), piece.s2(),
                        weightsEnd - piece.paramOffset(), piece.length(), threads);
            }
        }
        countUpdated(layer);
    }

    /** Counts {@code layer} as updated in each of its buckets; a bucket whose layers all are is consumed. */
    private void countUpdated(int layer) {
        layerUpdated[layer] = true;
        if (layer == table) {
            tableQueued = false;  // the next backward's exchange starts afresh
        }
        for (int k : bucketsOfLayer[layer]) {
            if (--layersLeft[k] == 0) {
                reductions[k] = null;
                queuedOnDevice[k] = false;
                if (sharded) {
                    gathers[k] = thread.allGatherBlocks(view(params, plan.start(k)), plan.length(k));
                }
            }
        }
    }

    /**
     * FORWARD schedule, before {@code layer}'s forward: waits for its reduced gradient and returns true when
     * the caller applies the update fused into the forward kernel (all-reduce mode). Sharded, it applies the
     * update of this rank's blocks, gathers the weights, and returns false: the caller runs the plain forward.
     */
    public boolean fuseIntoForward(int layer, long step) {
        if (!sharded) {
            awaitReduced(layer);
            countUpdated(layer);
            return true;
        }
        // the gather of a bucket starts once all its layers are updated: update them all now (the later layers'
        // weights are not read before their own forward, which then finds them updated)
        for (int k : bucketsOfLayer[layer]) {
            for (int j : layersOfBucket[k]) {
                update(j, step);
            }
        }
        awaitWeights(layer);
        return false;
    }

    /** Waits for the all-gathers that write {@code layer}'s weights (sharded mode; else nothing to wait for). */
    public void awaitWeights(int layer) {
        for (int k : bucketsOfLayer[layer]) {
            CommThread.Pending pending = gathers[k];
            if (pending != null) {
                pending.await();
                gathers[k] = null;
            }
        }
    }

    /** Waits for every weight gather: before predict, evaluate and parameter export. */
    public void awaitAllWeights() {
        for (int i = 0; i < bucketsOfLayer.length; i++) {
            awaitWeights(i);
        }
    }

    /** The mean loss over every rank's samples of this step. */
    public float endStep() {
        lossReduced.await();
        return lossSum.get(0) / totalBatch();
    }

    // ---- sharded optimizer state as a whole (checkpoints) ----

    /** Every rank's blocks of slot {@code slot}, gathered: a collective, every rank must call it. */
    float[] gatherState(int slot) {
        long total = layout.parameterCount();
        try (FloatPointer full = new FloatPointer(total)) {
            copyShardInto(slot, full);
            for (int k = 0; k < plan.size(); k++) {
                thread.allGatherBlocks(view(full, plan.start(k)), plan.length(k)).await();
            }
            float[] values = new float[Math.toIntExact(total)];
            backend.read(full, 0, values, 0, values.length);
            return values;
        }
    }

    /** Keeps this rank's blocks of a whole slot (every rank passes the same values). */
    void scatterState(int slot, float[] values) {
        for (List<Piece> pieces : piecesOfLayer) {
            for (Piece piece : pieces) {
                backend.write(values, Math.toIntExact(piece.paramOffset()), Math.toIntExact(piece.length()),
                        shardState[slot], piece.shardOffset());
            }
        }
    }

    private void copyShardInto(int slot, FloatPointer full) {
        for (List<Piece> pieces : piecesOfLayer) {
            for (Piece piece : pieces) {
                float[] block = new float[Math.toIntExact(piece.length())];
                backend.read(shardState[slot], piece.shardOffset(), block, 0, block.length);
                backend.write(block, 0, block.length, full, piece.paramOffset());
            }
        }
    }

    /** Waits for what is queued, stops the communication thread and frees the buffers (not the communicator). */
    @Override
    public void close() {
        try {
            thread.close();
        } finally {
            for (Pointer p : owned) {
                p.close();
            }
            owned.clear();
        }
    }
}
