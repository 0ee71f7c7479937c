package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Dropout;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** Models for data-parallel training: bucket plans that split a layer and buckets that span layers. */
public final class DataParallelModels {
    private DataParallelModels() {
    }

    /**
     * Buckets of at most 300 floats: the first layer (131·13 + 13 = 1716 floats) becomes six buckets of
     * 286, smaller than the layer and not divisible by 3 ranks (96 + 95 + 95), while the last two layers
     * (126 + 50 floats) share one bucket. Three update rules, one with a non-zero initial state.
     */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 300)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class SmallBuckets {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;

        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;

        @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05, initialAccumulatorValue = 0.1)
        @Layer(units = 5) Dense logits;
    }

    /** Dropout after two layers: N ranks on their slices must draw the masks one process draws on the whole batch. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class WithDropout {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(rate = 0.3) Dropout drop1;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer Dropout drop2;
        @Layer(units = 5) Dense logits;
    }

    /**
     * An embedding table first (400 rows × 2 = 800 floats, in buckets of at most 256: four buckets of the table
     * alone), then two dense layers sharing one bucket. Batches of 63 × 3 ids touch about a third of the rows,
     * each rank its own: the sparse update must cover the union of the ranks' rows, as one process would.
     */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 256)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class WithEmbedding {
        @Optimizer(value = OptimizerKind.ADAM, lr = 0.05, weightDecay = 0.01)
        @Layer(vocabulary = 400, units = 2) Embedding ids;
        @Layer(units = 7, activation = Activation.RELU) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    /** The same table with global-norm clipping (FORWARD or UNFUSED): the norm includes the union's rows. */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, bucketFloats = 256, clipGradNorm = 0.3)
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.1)
    public static class ClippedEmbedding {
        @Layer(vocabulary = 400, units = 2) Embedding ids;
        @Layer(units = 7, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    /**
     * The table under accumulation of pairs (DDP's no_sync): its rows sum in place over the cycle, per rank, and
     * travel once, with the cycle's last micro-batch. SGD with momentum on the table: a wrongly scaled row shows.
     * One bucket holds the table and both dense layers (889 floats): the local sum must skip the table's floats
     * and still fold the dense ones of the same bucket.
     */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, bucketFloats = 1024,
            accumulateSteps = 2)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class AccumulatedEmbedding {
        @Optimizer(value = OptimizerKind.SGD, lr = 0.5, momentum = 0.9)
        @Layer(vocabulary = 400, units = 2) Embedding ids;
        @Layer(units = 7, activation = Activation.RELU) Dense hidden;
        @Layer(units = 5) Dense logits;
    }
}
