package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.cpu.CpuBackend;
import dev.fusedtrainer.runtime.cuda.CudaBackend;
import dev.fusedtrainer.runtime.dist.CommunicationStats;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.runtime.dist.NcclCommunicator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The run-time half of a generated trainer: picks the {@link Backend} for the device, owns every
 * buffer (allocated once in the device's memory, freed on {@link #close}), validates what users
 * pass in, and keeps the step counter. Generated code asks it for per-layer views and calls the
 * backend's kernels itself, so that the schedule stays visible there.
 *
 * <p>Memory: parameters of all layers form one contiguous block; gradients (only for schedules that
 * keep them: UNFUSED and FORWARD, and BACKWARD on a GPU, where the fused step writes each layer's
 * gradient to a scratch block before its update) and each used optimizer state slot mirror that
 * block, so one offset addresses a parameter, its gradient and its state. Hyper-parameter blocks and
 * the {@code correct} counter stay in host memory on every device.
 */
public final class TrainerCore implements TrainerState {

    /** Generated code registers the FORWARD schedule's flush here. */
    public interface PendingUpdates {
        void apply();
    }

    private final ModelLayout layout;
    private final Schedule schedule;
    private final Device device;
    private final Backend backend;
    private final int threads;
    private final int maxBatch;
    private final long parameterCount;
    private final List<Pointer> owned = new ArrayList<>();

    private final FloatPointer params;
    private final FloatPointer grads;            // null under BACKWARD: no full gradient buffers
    private final FloatPointer[] stateSlots = new FloatPointer[3];
    private final boolean[] slotUsed = new boolean[3];
    private final DoublePointer[] hyperParameters;
    private final FloatPointer[] preActivations;
    private final FloatPointer[] outputs;
    private final FloatPointer[] outputGrads;
    private final FloatPointer[] dropoutMasks;
    private final FloatPointer[] normStatistics;  // per normalisation layer: the last training forward's mean, 1/σ
    /** Every batch norm layer's running mean then variance, in layer order (null without batch norm). */
    private final FloatPointer runningStatistics;
    private final long[] runningOffsets;           // per layer: its block in runningStatistics, or -1
    private final long runningStatisticsSize;
    private final IntPointer[] embeddingRows;      // per embedding layer: the ids its last backward looked up
    private final IntPointer[] embeddingMarks;     // per embedding layer: scratch, one int per table row
    private final long[] touchedRows;              // per embedding layer: how many of embeddingRows are valid
    /** The builder's seed; data-parallel: rank 0's, so that every rank draws the same dropout masks. */
    private final long seed;
    private final FloatPointer input;
    private final IntPointer labels;
    private final FloatPointer targets;
    private final CLongPointer correct;

    private final DataParallel dataParallel;  // null for a single-process trainer
    private PendingUpdates pending = () -> { };
    private double learningRateFactor = 1.0;
    private LearningRateSchedule learningRateSchedule = LearningRateSchedule.constant();
    /** The factor the layers' learning-rate slots hold now (they start at the annotated lr). */
    private double appliedLearningRateFactor = 1.0;
    private long steps;
    private FloatPointer accumulated;  // gradient accumulation: the cycle's weighted sum so far (allocated on first use)
    private FloatPointer denseGradients;  // what accumulate sums: the gradient block past an embedding table
    private int microBatches;
    private boolean closed;

    public TrainerCore(ModelLayout layout, Schedule schedule, Device device, long seed, int threads, int maxBatch) {
        this(layout, schedule, device, seed, threads, maxBatch, null, false, null);
    }

    /**
     * A trainer that is one rank of a data-parallel job when {@code communicator} is not null (see
     * {@link DataParallel}); {@code shardOptimizerState} selects ZeRO-1; {@code buckets} is the
     * compile-time bucket plan.
     */
    public TrainerCore(ModelLayout layout, Schedule schedule, Device device, long seed, int threads, int maxBatch,
                       Communicator communicator, boolean shardOptimizerState, BucketPlan buckets) {
        if (schedule == null) {
            throw new IllegalArgumentException("schedule is null; pick Schedule.UNFUSED, BACKWARD or FORWARD");
        }
        if (device == null) {
            throw new IllegalArgumentException("device is null; use Device.cpu()");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        if (communicator != null && device.kind() != Device.Kind.CPU) {
            if (!(communicator instanceof NcclCommunicator)) {
                throw new IllegalArgumentException(device + " with " + communicator.getClass().getSimpleName() + ": "
                        + "gradients in GPU memory are reduced by NCCL (Debian's Open MPI is not CUDA-aware); use "
                        + ".communicator(Communicator.nccl()), one process per GPU (docs/distributed.md)");
            }
            if (shardOptimizerState) {
                throw new UnsupportedOperationException("shardOptimizerState(true) on " + device + " is not "
                        + "implemented (ZeRO-1 runs on Device.cpu() only for now): use .shardOptimizerState(false)");
            }
        }
        if (shardOptimizerState && communicator == null) {
            throw new IllegalArgumentException("shardOptimizerState(true) needs a communicator: set .communicator(...)");
        }
        for (LayerLayout layer : layout.layers()) {
            if (shardOptimizerState && layer.optimizer() != null && layer.optimizer().kind().layerwise()) {
                throw new UnsupportedOperationException(layout.modelName() + "'s layer " + layer.name() + " uses "
                        + layer.optimizer().kind() + ", whose trust ratio needs norms over whole tensors, which sharded "
                        + "optimizer state splits across ranks (not supported yet): use .shardOptimizerState(false)");
            }
        }
        boolean distributed = communicator != null;
        this.backend = device.kind() == Device.Kind.CPU ? new CpuBackend(threads) : CudaBackend.open(device, layout, maxBatch);
        this.layout = layout;
        this.schedule = schedule;
        this.device = device;
        this.threads = threads;
        this.maxBatch = maxBatch;
        this.parameterCount = layout.parameterCount();

        params = allocate(parameterCount);
        // BACKWARD on the CPU keeps no gradient (the dense kernel updates tile by tile), unless the gradient must be
        // reduced across ranks first or another layer with parameters (updated right after its whole gradient)
        // needs a place for it
        boolean wholeGradients = layout.layers().stream().anyMatch(layer -> layer.trainable()
                && (!(layer instanceof DenseLayout) || layer.optimizer().kind().layerwise()));
        grads = schedule == Schedule.BACKWARD && !backend.backwardNeedsGradients() && !distributed && !wholeGradients
                ? null : allocate(parameterCount);
        int n = layout.layers().size();
        hyperParameters = new DoublePointer[n];
        preActivations = new FloatPointer[n];
        outputs = new FloatPointer[n];
        outputGrads = new FloatPointer[n];
        dropoutMasks = new FloatPointer[n];
        normStatistics = new FloatPointer[n];
        embeddingRows = new IntPointer[n];
        embeddingMarks = new IntPointer[n];
        touchedRows = new long[n];
        runningOffsets = new long[n];
        for (int slot = 0; slot < stateSlots.length; slot++) {
            boolean used = false;
            for (LayerLayout layer : layout.layers()) {
                used |= layer.optimizer() != null && layer.optimizer().usesStateSlot(slot);
            }
            if (used && !shardOptimizerState) {  // ZeRO-1: DataParallel keeps this rank's blocks only
                stateSlots[slot] = allocate(parameterCount);
            }
            slotUsed[slot] = used;
        }
        input = allocate((long) maxBatch * layout.inputSize());
        for (int i = 0; i < n; i++) {
            LayerLayout layer = layout.layers().get(i);
            hyperParameters[i] = layer.optimizer() == null ? null
                    : own(new DoublePointer(layer.optimizer().hyperParameterBlock()));
            if (layer instanceof FlattenLayout) {  // a view of its input: the same buffers, no copy
                preActivations[i] = i == 0 ? input : outputs[i - 1];
                outputs[i] = preActivations[i];
                outputGrads[i] = i == 0 ? null : outputGrads[i - 1];
                continue;
            }
            long activations = (long) maxBatch * layer.out();
            if (layer instanceof DropoutLayout) {
                dropoutMasks[i] = allocate(activations);
            }
            if (layer instanceof NormLayout norm) {
                normStatistics[i] = allocate(norm.statisticsSize(maxBatch));
            }
            if (layer instanceof EmbeddingLayout table) {
                embeddingRows[i] = allocateInts(table.vocabulary());  // the ids listed since the last update: distinct
                embeddingMarks[i] = allocateInts(table.vocabulary());
            }
            preActivations[i] = allocate(activations);
            outputs[i] = layer.activation() == Activation.IDENTITY ? preActivations[i] : allocate(activations);
            outputGrads[i] = allocate(activations);
        }
        long running = 0;
        for (int i = 0; i < n; i++) {
            runningOffsets[i] = -1;
            if (layout.layers().get(i) instanceof BatchNormLayout norm) {
                runningOffsets[i] = running;
                running += norm.runningStatisticsSize();
            }
        }
        runningStatisticsSize = running;
        runningStatistics = running == 0 ? null : allocate(running);
        labels = backend.allocateInts(maxBatch);
        if (labels == null) {
            throw outOfMemory(maxBatch);
        }
        targets = allocate((long) maxBatch * layout.outputSize());
        correct = own(new CLongPointer(1));
        initialize(seed);
        dataParallel = distributed ? startDataParallel(buckets, communicator, shardOptimizerState) : null;
        this.seed = dataParallel == null ? seed : dataParallel.rootSeed(seed);
    }

    private DataParallel startDataParallel(BucketPlan buckets, Communicator communicator, boolean sharded) {
        try {
            if (buckets == null) {
                throw new IllegalArgumentException("a data-parallel trainer needs its bucket plan");
            }
            return new DataParallel(layout, buckets, backend, threads, communicator, sharded, params, grads, stateSlots,
                    hyperParameters, this);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Global gradient-norm clipping over the whole gradient buffer, as PyTorch's {@code clip_grad_norm_}:
     * scales every gradient by {@code maxNorm / (norm + 1e-6)} when that is below 1. Returns the norm
     * before clipping. Needs the full gradients (UNFUSED and FORWARD; generated code calls it).
     */
    public double clipGradientNorm(double maxNorm) {
        if (grads == null) {
            throw new IllegalStateException("gradient clipping needs the full gradients, which schedule " + schedule
                    + " does not keep");
        }
        long n = layout.parameterCount();
        double norm = Math.sqrt(backend.sumOfSquares(grads, n));
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            backend.scale(grads, n, (float) coefficient);
        }
        return norm;
    }

    /**
     * Per-value gradient clipping, as PyTorch's {@code clip_grad_value_}: from now on every update clamps each
     * gradient element to [-clip, clip] as it reads it (after any norm clipping), inside the fused kernels, so it
     * is exact under every schedule. 0 turns it off. Generated code calls it once, from {@code @Model(clipGradValue)}.
     */
    public void clipGradientValues(double clip) {
        if (!(clip >= 0) || Double.isInfinite(clip)) {
            throw new IllegalArgumentException("clipGradValue must be a finite value >= 0, got " + clip);
        }
        for (DoublePointer hp : hyperParameters) {
            if (hp != null) {
                hp.put(OptimizerConfig.CLIP_VALUE_SLOT, clip);
            }
        }
    }

    /**
     * Per-layer gradient-norm clipping: each layer's gradient (weights and bias) scaled by
     * {@code maxNorm / (norm + 1e-6)} when that is below 1. Needs the full gradients (generated code calls it).
     */
    public void clipLayerGradientNorms(double maxNorm) {
        if (grads == null) {
            throw new IllegalStateException("gradient clipping needs the full gradients, which schedule " + schedule
                    + " does not keep");
        }
        for (int layer = 0; layer < layout.layers().size(); layer++) {
            long n = layout.layers().get(layer).parameterCount();
            if (n == 0) {
                continue;
            }
            FloatPointer g = grads(layer);
            double coefficient = maxNorm / (Math.sqrt(backend.sumOfSquares(g, n)) + 1e-6);
            if (coefficient < 1) {
                backend.scale(g, n, (float) coefficient);
            }
        }
    }

    /** This rank's communication so far; {@link CommunicationStats#NONE} for a single process. */
    public CommunicationStats communicationStats() {
        return dataParallel == null ? CommunicationStats.NONE : dataParallel.stats();
    }

    /** The data-parallel side of this trainer, or null for a single process. */
    public DataParallel dataParallel() {
        return dataParallel;
    }

    private FloatPointer allocate(long n) {
        FloatPointer p = backend.allocateFloats(n);
        if (p == null) {
            throw outOfMemory(n);
        }
        return p;
    }

    private IntPointer allocateInts(long n) {
        IntPointer p = backend.allocateInts(n);
        if (p == null) {
            throw outOfMemory(n);
        }
        return p;
    }

    private OutOfMemoryError outOfMemory(long floats) {
        close();
        return new OutOfMemoryError("could not allocate " + floats * 4 + " bytes of " + device + " memory for "
                + layout.modelName());
    }

    private <P extends Pointer> P own(P p) {
        owned.add(p);
        return p;
    }

    /**
     * PyTorch's nn.Linear and nn.Conv2d initialisation: W and b uniform in ±1/√fanIn (in, or C·k·k), from the seed;
     * normalisation layers γ = 1, β = 0 and running variance 1; embedding tables N(0, 1); state at its initial value.
     */
    private void initialize(long seed) {
        resetRunningStatistics();
        SplittableRandom random = new SplittableRandom(seed);
        long offset = 0;
        for (LayerLayout layer : layout.layers()) {
            if (!layer.trainable()) {
                continue;
            }
            double bound = 1.0 / Math.sqrt(layer.fanIn());
            long count = layer.parameterCount();
            float[] values = new float[(int) count];
            if (layer instanceof NormLayout norm) {
                java.util.Arrays.fill(values, 0, norm.width(), 1f);  // γ = 1, β = 0
            } else if (layer instanceof EmbeddingLayout) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian();  // nn.Embedding: N(0, 1)
                }
            } else {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextDouble(-bound, bound);
                }
            }
            backend.write(values, 0, values.length, params, offset);
            for (int slot = 0; slot < stateSlots.length; slot++) {
                float initial = layer.optimizer().initialState(slot);
                if (stateSlots[slot] != null && initial != 0f) {
                    float[] fill = new float[(int) count];
                    java.util.Arrays.fill(fill, initial);
                    backend.write(fill, 0, fill.length, stateSlots[slot], offset);
                }
            }
            offset += count;
        }
    }

    /** Running means 0, running variances 1: PyTorch's initial batch norm buffers. */
    private void resetRunningStatistics() {
        for (int i = 0; i < runningOffsets.length; i++) {
            if (runningOffsets[i] >= 0) {
                int channels = ((BatchNormLayout) layout.layers().get(i)).channels();
                float[] values = new float[2 * channels];
                java.util.Arrays.fill(values, channels, 2 * channels, 1f);
                backend.write(values, 0, values.length, runningStatistics, runningOffsets[i]);
            }
        }
    }

    // ---- views for generated code (created once, at construction) ----

    /** A view of {@code base} starting at a layer's offset; null for an absent buffer. */
    private FloatPointer layerView(FloatPointer base, int layer) {
        if (base == null) {
            return null;
        }
        return new FloatPointer(base).position(layout.offsetOf(layer));
    }

    public FloatPointer params(int layer) {
        return layerView(params, layer);
    }

    /** The layer's gradient block, or null under the BACKWARD schedule (which keeps none). */
    public FloatPointer grads(int layer) {
        return layerView(grads, layer);
    }

    /** The layer's view of optimizer state slot 0..2, or null where no layer uses that slot. */
    public FloatPointer state(int layer, int slot) {
        return layerView(stateSlots[slot], layer);
    }

    public DoublePointer hyperParameters(int layer) {
        return hyperParameters[layer];
    }

    public FloatPointer preActivation(int layer) {
        return preActivations[layer];
    }

    public FloatPointer output(int layer) {
        return outputs[layer];
    }

    /** d loss / d output of a layer; the layer's backward turns it into d loss / d pre-activation in place. */
    public FloatPointer outputGrad(int layer) {
        return outputGrads[layer];
    }

    /** A dropout layer's mask of its last training forward; null for other layers. */
    public FloatPointer dropoutMask(int layer) {
        return dropoutMasks[layer];
    }

    /** A normalisation layer's statistics of its last forward (mean and 1/σ per group); null for other layers. */
    public FloatPointer normStatistics(int layer) {
        return normStatistics[layer];
    }

    /** A batch norm layer's running mean then variance; null for other layers. */
    public FloatPointer runningStatistics(int layer) {
        return runningOffsets[layer] < 0 ? null : new FloatPointer(runningStatistics).position(runningOffsets[layer]);
    }

    /** An embedding layer's ids of its last backward (the rows its sparse update covers); null for other layers. */
    public IntPointer embeddingRows(int layer) {
        return embeddingRows[layer];
    }

    /** An embedding layer's scratch marks (one int per table row, zero between calls); null for other layers. */
    public IntPointer embeddingMarks(int layer) {
        return embeddingMarks[layer];
    }

    /** How many of {@link #embeddingRows}'s ids are valid: the distinct ids of the layer's last backward. */
    public long touchedRows(int layer) {
        return touchedRows[layer];
    }

    public void setTouchedRows(int layer, long rows) {
        touchedRows[layer] = rows;
    }

    /**
     * A training step of batch norm needs more than one value per channel (its variance over one value is 0 and the
     * unbiased running estimate undefined), as in PyTorch. Generated code calls this for flat batch norm inputs.
     */
    public void requireBatchStatistics(String layer, int batch) {
        long whole = dataParallel == null ? batch : dataParallel.globalBatch();  // synchronised: the whole batch's
        if (whole < 2) {
            throw new IllegalArgumentException("batch norm layer '" + layer + "' needs more than one value per channel "
                    + "in a training step, but the batch has " + whole + " sample: train with batches of 2 or more "
                    + "(predict and evaluate take any number)");
        }
    }

    /**
     * The index of this trainer's first sample in the step's whole batch: 0 in one process, the sum of the lower
     * ranks' samples in data-parallel training (waits for the step's batch sizes). Dropout masks are indexed by it.
     */
    public long firstSample() {
        return dataParallel == null ? 0 : dataParallel.firstSample();
    }

    /** The builder's seed: weights and dropout masks derive from it. */
    public long seed() {
        return seed;
    }

    /**
     * The dropout masks' counter for this training forward: the update count and the micro-batch within an
     * accumulation cycle, both restored with a checkpoint (which is never taken mid-cycle).
     */
    public long dropoutCounter() {
        return steps * 65536 + microBatches;
    }

    public FloatPointer input() {
        return input;
    }

    public IntPointer labels() {
        return labels;
    }

    public FloatPointer targets() {
        return targets;
    }

    public CLongPointer correct() {
        return correct;
    }

    public int threads() {
        return threads;
    }

    public int maxBatch() {
        return maxBatch;
    }

    public Schedule schedule() {
        return schedule;
    }

    public Device device() {
        return device;
    }

    /** The kernels and memory of {@link #device()}: what the generated trainer calls. */
    public Backend backend() {
        return backend;
    }

    public ModelLayout layout() {
        return layout;
    }

    public void onPendingUpdates(PendingUpdates flush) {
        this.pending = flush;
    }

    // ---- validation and batch loading ----

    public void checkOpen() {
        if (closed) {
            // the generated class: nested models Outer.Inner get Outer_InnerTrainer
            String trainer = layout.modelName().replace('.', '_') + "Trainer";
            throw new IllegalStateException(trainer + " is closed; create a new trainer with " + trainer + ".builder()");
        }
    }

    /** Validates a batch of inputs and returns its size. */
    public int batchOf(float[] inputs, boolean limitToMaxBatch) {
        checkOpen();
        if (inputs == null) {
            throw new IllegalArgumentException("inputs is null");
        }
        int width = layout.inputSize();
        if (inputs.length == 0 || inputs.length % width != 0) {
            throw new IllegalArgumentException("inputs has " + inputs.length + " floats, which is not a positive "
                    + "multiple of " + layout.modelName() + "'s input size " + width
                    + " (inputs are row-major [batch][" + width + "])");
        }
        int batch = inputs.length / width;
        if (limitToMaxBatch && batch > maxBatch) {
            throw new IllegalArgumentException("batch of " + batch + " samples exceeds maxBatch " + maxBatch
                    + "; build the trainer with .maxBatch(" + batch + ")");
        }
        if (layout.layers().get(0) instanceof EmbeddingLayout table) {
            checkIds(inputs, table);
        }
        return batch;
    }

    /** An embedding's input must be ids: integers in [0, vocabulary), or the lookup would read outside the table. */
    private void checkIds(float[] inputs, EmbeddingLayout table) {
        for (int i = 0; i < inputs.length; i++) {
            float id = inputs[i];
            if (!(id >= 0 && id < table.vocabulary()) || id != (int) id) {
                throw new IllegalArgumentException("inputs[" + i + "] = " + id + " (sample " + i / table.fields()
                        + ", field " + i % table.fields() + ") is not an id of layer '" + table.name() + "' (Embedding): "
                        + "ids are integers in [0, " + table.vocabulary() + ")");
            }
        }
    }

    /** Copies samples [first, first + batch) of inputs and labels into native memory. */
    public void loadLabelled(float[] inputs, int[] labelValues, int first, int batch) {
        if (layout.loss() != Loss.SOFTMAX_CROSS_ENTROPY) {
            throw new IllegalArgumentException(layout.modelName() + " uses " + layout.loss()
                    + ", which takes float targets: call the (float[] inputs, float[] targets) overload");
        }
        if (labelValues == null) {
            throw new IllegalArgumentException("labels is null");
        }
        int samples = inputs.length / layout.inputSize();
        if (labelValues.length != samples) {
            throw new IllegalArgumentException("labels has " + labelValues.length + " entries but inputs holds "
                    + samples + " samples");
        }
        int classes = layout.outputSize();
        for (int i = first; i < first + batch; i++) {
            int label = labelValues[i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("labels[" + i + "] = " + label + " is outside [0, " + classes
                        + ") for " + layout.modelName() + "'s " + classes + " classes");
            }
        }
        backend.write(inputs, first * layout.inputSize(), batch * layout.inputSize(), input, 0);
        backend.write(labelValues, first, batch, labels, 0);
    }

    /** Copies samples [first, first + batch) of inputs and float targets into native memory. */
    public void loadTargets(float[] inputs, float[] targetValues, int first, int batch) {
        if (layout.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
            throw new IllegalArgumentException(layout.modelName() + " uses SOFTMAX_CROSS_ENTROPY, which takes "
                    + "integer class labels: call the (float[] inputs, int[] labels) overload");
        }
        if (targetValues == null) {
            throw new IllegalArgumentException("targets is null");
        }
        int samples = inputs.length / layout.inputSize();
        int width = layout.outputSize();
        if (targetValues.length != (long) samples * width) {
            throw new IllegalArgumentException("targets has " + targetValues.length + " floats but " + samples
                    + " samples need " + (long) samples * width + " (" + width + " per sample)");
        }
        backend.write(inputs, first * layout.inputSize(), batch * layout.inputSize(), input, 0);
        backend.write(targetValues, first * width, batch * width, targets, 0);
    }

    /** Copies samples [first, first + batch) of inputs into native memory (predict). */
    public void loadInputs(float[] inputs, int first, int batch) {
        backend.write(inputs, first * layout.inputSize(), batch * layout.inputSize(), input, 0);
    }

    /** Checks an output array for predict. */
    public void checkOutputs(float[] out, int samples) {
        long needed = (long) samples * layout.outputSize();
        if (out == null || out.length != needed) {
            throw new IllegalArgumentException("outputs must hold " + needed + " floats (" + samples + " samples × "
                    + layout.outputSize() + " outputs), got " + (out == null ? "null" : out.length));
        }
    }

    /** The error for calling the labels overload on a float-target model, or the reverse. */
    public IllegalArgumentException wrongTargetKind() {
        checkOpen();
        return layout.loss() == Loss.SOFTMAX_CROSS_ENTROPY
                ? new IllegalArgumentException(layout.modelName() + " uses SOFTMAX_CROSS_ENTROPY, which takes integer "
                        + "class labels: call the (float[] inputs, int[] labels) overload")
                : new IllegalArgumentException(layout.modelName() + " uses " + layout.loss() + ", which takes float "
                        + "targets: call the (float[] inputs, float[] targets) overload");
    }

    /** Copies the last layer's outputs for {@code batch} samples into outputs at sample {@code first}. */
    public void readOutputs(float[] out, int first, int batch) {
        int width = layout.outputSize();
        backend.read(outputs[outputs.length - 1], 0, out, first * width, batch * width);
    }

    // ---- step counter ----

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public void setStepCount(long value) {
        checkOpen();
        if (value < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + value);
        }
        pending.apply();  // a pending FORWARD update is numbered by the current count
        steps = value;
    }

    /** Called by generated code when a step completes; returns the new count (the update number). */
    public long completeStep() {
        return ++steps;
    }

    /**
     * Gradient accumulation over {@code cycle} micro-batches, called after each backward (generated code):
     * adds this micro-batch's gradient, weighted 1 / cycle, to the cycle's sum. Returns true on the cycle's
     * last micro-batch, when the gradient buffers hold the cycle's mean and the update may run.
     */
    public boolean accumulate(int cycle) {
        if (grads == null) {
            throw new IllegalStateException("gradient accumulation needs the full gradients, which schedule " + schedule
                    + " does not keep");
        }
        long n = denseGradientCount();
        float weight = 1f / cycle;
        FloatPointer gradient = denseGradients();
        if (++microBatches < cycle) {
            backend.axpby(gradient, weight, accumulated, microBatches == 1 ? 0 : 1, n);
            return false;
        }
        backend.axpby(accumulated, 1, gradient, weight, n);  // gradient = sum so far + this one's share
        microBatches = 0;
        return true;
    }

    /**
     * What accumulation sums into {@code accumulated}: the gradient block past an embedding table (always the
     * first block), which accumulates its own rows, sparsely and weighted, in its backward.
     */
    private long denseGradientCount() {
        return layout.parameterCount() - tableFloats();
    }

    /** The floats of the embedding table that opens the gradient block; 0 without one. */
    private long tableFloats() {
        return layout.layers().get(0) instanceof EmbeddingLayout table ? table.parameterCount() : 0;
    }

    /** The view of the gradients that accumulation sums, with its sum's buffer: both made once (no allocation per step). */
    private FloatPointer denseGradients() {
        if (accumulated == null) {
            accumulated = allocate(Math.max(1, denseGradientCount()));
            denseGradients = new FloatPointer(grads).position(tableFloats());
        }
        return denseGradients;
    }

    // ---- data-parallel accumulation without reducing every micro-batch (DDP's no_sync) ----

    /** Whether the coming micro-batch is the last of its accumulation cycle of {@code cycle}. */
    public boolean lastMicroBatch(int cycle) {
        return microBatches + 1 >= cycle;
    }

    /**
     * A micro-batch before the cycle's last: its local gradient, weighted 1 / cycle, joins the local sum (an
     * embedding table's rows accumulate in place, in its backward, and travel once, on the cycle's last micro-batch).
     */
    public void accumulateLocally(int cycle) {
        FloatPointer gradient = denseGradients();
        microBatches++;
        backend.axpby(gradient, 1f / cycle, accumulated, microBatches == 1 ? 0 : 1, denseGradientCount());
    }

    /**
     * The cycle's last micro-batch: each bucket, before its reduction, becomes the local sum plus this micro-batch's
     * share, so that one reduction per bucket and cycle yields the cycle's mean of the averaged gradients.
     */
    public void foldLocalSumIntoReductions(int cycle) {
        dataParallel.foldBeforeReduction(microBatches == 0 ? null : accumulated, 1f / cycle);
    }

    /** After the last micro-batch's backward: the cycle is complete. */
    public void endAccumulationCycle() {
        dataParallel.foldBeforeReduction(null, 1);
        microBatches = 0;
    }

    /** Micro-batches of the current accumulation cycle already summed (0 between cycles). */
    public int accumulatedMicroBatches() {
        return microBatches;
    }

    // ---- parameters and state ----

    public List<ParameterInfo> parameterInfos() {
        List<ParameterInfo> infos = new ArrayList<>();
        for (LayerLayout layer : layout.layers()) {
            ParameterInfo weight = layer.weightInfo();
            if (weight != null) {
                infos.add(weight);
                if (layer.hasBias()) {
                    infos.add(new ParameterInfo(layer.name() + ".bias", weight.rows(), 1));
                }
            }
        }
        return infos;
    }

    private long[] locate(String name) {
        if (name == null) {
            throw new IllegalArgumentException("parameter name is null");
        }
        long offset = 0;
        List<String> names = new ArrayList<>();
        for (LayerLayout layer : layout.layers()) {
            ParameterInfo weight = layer.weightInfo();
            if (weight == null) {
                continue;
            }
            long weights = weight.size();
            if (name.equals(layer.name() + ".weight")) {
                return new long[] {offset, weights};
            }
            if (layer.hasBias() && name.equals(layer.name() + ".bias")) {
                return new long[] {offset + weights, weight.rows()};
            }
            names.add(layer.name() + ".weight");
            if (layer.hasBias()) {
                names.add(layer.name() + ".bias");
            }
            offset += layer.parameterCount();
        }
        throw new IllegalArgumentException(layout.modelName() + " has no parameter '" + name + "'; it has " + names);
    }

    public float[] parameter(String name) {
        checkOpen();
        long[] where = locate(name);
        pending.apply();
        float[] copy = new float[(int) where[1]];
        backend.read(params, where[0], copy, 0, copy.length);
        return copy;
    }

    public void setParameter(String name, float[] values) {
        checkOpen();
        long[] where = locate(name);
        if (values == null || values.length != where[1]) {
            throw new IllegalArgumentException(name + " takes " + where[1] + " floats, got "
                    + (values == null ? "null" : values.length));
        }
        pending.apply();
        backend.write(values, 0, values.length, params, where[0]);
    }

    @Override
    public double learningRateFactor() {
        return learningRateFactor;
    }

    /** Each layer's learning rate is its annotated value times {@code factor} times the schedule's, from the next update on. */
    @Override
    public void setLearningRateFactor(double factor) {
        checkOpen();
        if (!(factor >= 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("learning-rate factor must be a finite value >= 0, got " + factor);
        }
        pending.apply();  // a pending FORWARD update keeps the learning rate of its own step
        learningRateFactor = factor;
    }

    @Override
    public LearningRateSchedule learningRateSchedule() {
        return learningRateSchedule;
    }

    /** Replaces the schedule from the next update on; updates are still counted from the first. */
    @Override
    public void setLearningRateSchedule(LearningRateSchedule schedule) {
        checkOpen();
        if (schedule == null) {
            throw new IllegalArgumentException("learning-rate schedule must not be null; use LearningRateSchedule.constant()");
        }
        pending.apply();
        learningRateSchedule = schedule;
    }

    /**
     * Called by generated code before the updates numbered {@code update} (1-based, the step count after them) run:
     * writes each layer's learning rate for it, the annotated lr times the factor and the schedule's value at
     * update {@code update - 1}. Cheap when nothing changed; calling it again for the same update is harmless.
     */
    public long beginUpdate(long update) {
        double factor = learningRateFactor * learningRateSchedule.factor(Math.max(0, update - 1));
        if (factor != appliedLearningRateFactor) {
            for (int i = 0; i < hyperParameters.length; i++) {
                if (hyperParameters[i] != null) {  // null: no parameters
                    hyperParameters[i].put(OptimizerConfig.LR_SLOT, layout.layers().get(i).optimizer().lr() * factor);
                }
            }
            appliedLearningRateFactor = factor;
        }
        return update;
    }

    @Override
    public String layoutFingerprint() {
        return layout.fingerprint();
    }

    @Override
    public int parameterCount() {
        return Math.toIntExact(parameterCount);
    }

    @Override
    public float[] exportParameters() {
        checkOpen();
        pending.apply();
        float[] all = new float[parameterCount()];
        backend.read(params, 0, all, 0, all.length);
        return all;
    }

    @Override
    public void importParameters(float[] values) {
        checkOpen();
        checkLength("parameters", values);
        pending.apply();
        backend.write(values, 0, values.length, params, 0);
    }

    @Override
    public int bufferSize() {
        return Math.toIntExact(runningStatisticsSize);
    }

    @Override
    public float[] exportBuffers() {
        checkOpen();
        float[] all = new float[bufferSize()];
        if (all.length > 0) {
            backend.read(runningStatistics, 0, all, 0, all.length);
        }
        return all;
    }

    @Override
    public void importBuffers(float[] values) {
        checkOpen();
        if (values == null || values.length != bufferSize()) {
            throw new IllegalArgumentException("buffers take " + bufferSize() + " floats (batch norm running "
                    + "statistics), got " + (values == null ? "null" : values.length));
        }
        if (values.length > 0) {
            backend.write(values, 0, values.length, runningStatistics, 0);
        }
    }

    @Override
    public float[] exportBuffer(String name) {
        checkOpen();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < runningOffsets.length; i++) {
            if (runningOffsets[i] < 0) {
                continue;
            }
            String layer = layout.layers().get(i).name();
            int channels = ((BatchNormLayout) layout.layers().get(i)).channels();
            for (int half = 0; half < 2; half++) {
                String buffer = layer + (half == 0 ? ".running_mean" : ".running_var");
                if (buffer.equals(name)) {
                    float[] copy = new float[channels];
                    backend.read(runningStatistics, runningOffsets[i] + (long) half * channels, copy, 0, channels);
                    return copy;
                }
                names.add(buffer);
            }
        }
        throw new IllegalArgumentException(layout.modelName() + " has no buffer '" + name + "'; it has "
                + (names.isEmpty() ? "none (only batch norm layers have buffers)" : names));
    }

    @Override
    public int stateSlots() {
        return stateSlots.length;
    }

    @Override
    public boolean hasStateSlot(int slot) {
        return slot >= 0 && slot < stateSlots.length && slotUsed[slot];
    }

    private boolean shardedState() {
        return dataParallel != null && dataParallel.sharded();
    }

    @Override
    public float[] exportStateSlot(int slot) {
        checkOpen();
        requireSlot(slot);
        if (microBatches != 0) {
            // a checkpoint now would lose the partial gradient sum, which is not part of the exported state
            throw new IllegalStateException(layout.modelName() + " is " + microBatches + " micro-batch(es) into a "
                    + "gradient-accumulation cycle; export its state (save a checkpoint) after the cycle's last micro-batch");
        }
        pending.apply();
        if (shardedState()) {
            return dataParallel.gatherState(slot);  // a collective: every rank exports together
        }
        float[] all = new float[parameterCount()];
        backend.read(stateSlots[slot], 0, all, 0, all.length);
        return all;
    }

    @Override
    public void importStateSlot(int slot, float[] values) {
        checkOpen();
        requireSlot(slot);
        checkLength("state slot " + slot, values);
        pending.apply();
        if (shardedState()) {
            dataParallel.scatterState(slot, values);
            return;
        }
        backend.write(values, 0, values.length, stateSlots[slot], 0);
    }

    private void requireSlot(int slot) {
        if (!hasStateSlot(slot)) {
            throw new IllegalArgumentException(layout.modelName() + "'s optimizers use no state slot " + slot);
        }
    }

    private void checkLength(String what, float[] values) {
        if (values == null || values.length != parameterCount) {
            throw new IllegalArgumentException(what + " takes " + parameterCount + " floats, got "
                    + (values == null ? "null" : values.length));
        }
    }

    /** Frees native and device memory; idempotent. Pending FORWARD updates are applied first. */
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (params != null) {
                pending.apply();
            }
        } finally {
            closed = true;
            if (dataParallel != null) {
                dataParallel.close();
            }
            for (Pointer p : owned) {
                p.close();
            }
            owned.clear();
            backend.release();
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
