package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.ModelLayout;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;

/**
 * The annotated models {@code --model} and {@code --optimizer} choose between. The optimizer is part of a
 * model's annotations, so each choice is its own generated trainer: the MLP with Adam or SGD, the CNN with Adam.
 */
public enum ModelVariant {
    ADAM("mlp", "adam", FashionMlpTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Device device,
                             Communicator comm, boolean shardOptimizerState) {
            return FashionMlpTrainer.builder().device(device).schedule(schedule).seed(seed)
                    .threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    },
    SGD("mlp", "sgd", FashionMlpSgdTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Device device,
                             Communicator comm, boolean shardOptimizerState) {
            return FashionMlpSgdTrainer.builder().device(device).schedule(schedule).seed(seed)
                    .threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    },
    CNN("cnn", "adam", FashionCnnTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Device device,
                             Communicator comm, boolean shardOptimizerState) {
            return FashionCnnTrainer.builder().device(device).schedule(schedule).seed(seed)
                    .threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    },
    CNN_BN("cnn-bn", "adam", FashionCnnBnTrainer.LAYOUT) {
        @Override
        public Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Device device,
                             Communicator comm, boolean shardOptimizerState) {
            return FashionCnnBnTrainer.builder().device(device).schedule(schedule).seed(seed)
                    .threads(threads).maxBatch(maxBatch)
                    .communicator(comm).shardOptimizerState(shardOptimizerState).build();
        }
    };

    private final String architecture;
    private final String optimizer;
    private final ModelLayout layout;

    ModelVariant(String architecture, String optimizer, ModelLayout layout) {
        this.architecture = architecture;
        this.optimizer = optimizer;
        this.layout = layout;
    }

    /** The {@code --model} value: mlp, cnn or cnn-bn. */
    public String architecture() {
        return architecture;
    }

    /** The {@code --optimizer} value: adam or sgd. */
    public String optimizerName() {
        return optimizer;
    }

    /** The layers in a few words, for the run's header. */
    public String summary() {
        return switch (architecture) {
            case "cnn" -> "conv 3x3x32 + max pool, conv 3x3x64 + max pool, 3136-128-10, ReLU";
            case "cnn-bn" -> "conv 3x3x32 + batch norm + max pool, conv 3x3x64 + batch norm + max pool, 3136-128-"
                    + "dropout-10, ReLU, AdamW (decay on weights only)";
            default -> "784-256-128-10 ReLU";
        };
    }

    /** The generated model's name, e.g. FashionCnn. */
    public String modelName() {
        return layout.modelName();
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
        return build(schedule, seed, threads, maxBatch, Device.cpu(), null, false);
    }

    /** A trainer for this variant on {@code device}; {@code comm} null trains in this process alone. */
    public abstract Trainer build(Schedule schedule, long seed, int threads, int maxBatch, Device device,
                                  Communicator comm, boolean shardOptimizerState);

    /** The MLP variant for a {@code --optimizer} value, case-insensitive. */
    public static ModelVariant named(String name) {
        return of("mlp", name);
    }

    /** The variant for {@code --model} and {@code --optimizer} values (null: mlp, adam), case-insensitive. */
    public static ModelVariant of(String model, String optimizerName) {
        String architecture = model == null ? "mlp" : model.toLowerCase(java.util.Locale.ROOT);
        String rule = optimizerName == null ? "adam" : optimizerName.toLowerCase(java.util.Locale.ROOT);
        if (!architecture.equals("mlp") && !architecture.equals("cnn") && !architecture.equals("cnn-bn")) {
            throw new IllegalArgumentException("unknown model '" + model + "'; choose one of mlp, cnn, cnn-bn");
        }
        if (!rule.equals("adam") && !rule.equals("sgd")) {
            throw new IllegalArgumentException("unknown optimizer '" + optimizerName + "'; choose one of adam, sgd");
        }
        for (ModelVariant v : values()) {
            if (v.architecture.equals(architecture) && v.optimizer.equals(rule)) {
                return v;
            }
        }
        throw new IllegalArgumentException("--model " + architecture + " trains with its own optimizer only (adam "
                + "for cnn, adamw for cnn-bn); drop --optimizer " + rule);
    }
}
