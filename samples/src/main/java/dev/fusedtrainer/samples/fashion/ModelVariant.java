package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.ModelLayout;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;

/**
 * The annotated models {@code --optimizer} chooses between. The optimizer is part of a model's
 * annotations, so each choice is its own generated trainer; the layers are the same.
 */
public enum ModelVariant {
    ADAM(FashionMlpTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Communicator comm,
                             boolean shardOptimizerState) {
            return FashionMlpTrainer.builder().schedule(schedule).seed(seed).threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    },
    SGD(FashionMlpSgdTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Communicator comm,
                             boolean shardOptimizerState) {
            return FashionMlpSgdTrainer.builder().schedule(schedule).seed(seed).threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    };

    private final ModelLayout layout;

    ModelVariant(ModelLayout layout) {
        this.layout = layout;
    }

    public ModelLayout layout() {
        return layout;
    }

    /** The learning rate in the model's {@code @Optimizer} annotation. */
    public double annotatedLearningRate() {
        return layout.layers().get(0).optimizer().lr();
    }

    public OptimizerKind optimizerKind() {
        return layout.layers().get(0).optimizer().kind();
    }

    /** A trainer for this variant that trains in this process alone. */
    public Trainer build(Schedule schedule, long seed, int threads, int maxBatch) {
        return build(schedule, seed, threads, maxBatch, null, false);
    }

    /** A trainer for this variant; {@code comm} null trains in this process alone. */
    public abstract Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Communicator comm,
                                  boolean shardOptimizerState);

    /** The variant for a {@code --optimizer} value, case-insensitive. */
    public static ModelVariant named(String name) {
        for (ModelVariant v : values()) {
            if (v.name().equalsIgnoreCase(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of adam, sgd");
    }
}
