package dev.fusedtrainer.tests.dist;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.ClippingModels_AccumulatedPairsSgdTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_ClippedSgdTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_LayerClippedSgdTrainer;
import dev.fusedtrainer.tests.models.ConvModels_DataParallelAdamTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_AccumulatedEmbeddingTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_ClippedEmbeddingTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_SmallBucketsTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_WithDropoutTrainer;
import dev.fusedtrainer.tests.models.DataParallelModels_WithEmbeddingTrainer;
import dev.fusedtrainer.tests.models.LrScheduleModels_CosineAdamTrainer;
import dev.fusedtrainer.tests.models.NormModels_DataParallelBatchNormTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdNesterovTrainer;
import dev.fusedtrainer.tests.support.Data;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training runs that data-parallel tests compare: one process on whole batches against N ranks on
 * 1/N of each batch. Shared by the in-process tests (Communicator.local()) and the rank program that
 * mpirun starts, so both train exactly the same thing.
 */
public final class DataParallelRuns {
    public static final int INPUT = 131;
    public static final int CLASSES = 5;
    public static final int STEPS = 20;
    private static final long DATA_SEED = 7;
    private static final long WEIGHT_SEED = 11;

    private DataParallelRuns() {
    }

    /** One configuration: model, schedule, ZeRO-1 or not, global batch. */
    public record Config(String model, Schedule schedule, boolean sharded, int globalBatch) {
        public String id() {
            return model + "-" + schedule + "-" + (sharded ? "sharded" : "allreduce") + "-b" + globalBatch;
        }
    }

    public static List<Config> configs() {
        List<Config> all = new ArrayList<>();
        for (String model : List.of("SgdNesterov", "Adam", "SmallBuckets")) {
            for (Schedule schedule : Schedule.values()) {
                for (boolean sharded : new boolean[] {false, true}) {
                    all.add(new Config(model, schedule, sharded, model.equals("SmallBuckets") ? 63 : 64));
                }
            }
        }
        // global-norm clipping: FORWARD and UNFUSED (BACKWARD cannot clip), all-reduce and sharded
        for (boolean sharded : new boolean[] {false, true}) {
            all.add(new Config("ClippedSgd", Schedule.UNFUSED, sharded, 64));
            all.add(new Config("ClippedSgd", Schedule.FORWARD, sharded, 63));
        }
        // per-layer clipping, and accumulation (pairs of micro-batches) then clipping: both modes
        for (boolean sharded : new boolean[] {false, true}) {
            all.add(new Config("LayerClippedSgd", Schedule.FORWARD, sharded, 63));
            all.add(new Config("LayerClippedSgd", Schedule.UNFUSED, sharded, 64));
            all.add(new Config("AccumulatedPairsSgd", Schedule.UNFUSED, sharded, 64));
            all.add(new Config("AccumulatedPairsSgd", Schedule.FORWARD, sharded, 63));
        }
        // convolution, pooling and flatten: every schedule, both modes
        for (Schedule schedule : Schedule.values()) {
            for (boolean sharded : new boolean[] {false, true}) {
                all.add(new Config("ConvAdam", schedule, sharded, 63));
            }
        }
        // a learning-rate schedule (warm-up, then cosine), and dropout: every schedule, both modes
        for (Schedule schedule : Schedule.values()) {
            for (boolean sharded : new boolean[] {false, true}) {
                all.add(new Config("CosineAdam", schedule, sharded, 64));
                all.add(new Config("WithDropout", schedule, sharded, 63));
                all.add(new Config("BatchNorm", schedule, sharded, 63));  // synchronised batch norm
            }
        }
        // an embedding table: the sparse update over the union of the ranks' rows (all-reduce mode)
        for (Schedule schedule : Schedule.values()) {
            all.add(new Config("WithEmbedding", schedule, false, 63));
        }
        all.add(new Config("ClippedEmbedding", Schedule.FORWARD, false, 64));
        all.add(new Config("ClippedEmbedding", Schedule.UNFUSED, false, 63));
        // the table with accumulation: each rank's rows summed over the cycle, exchanged once per cycle
        all.add(new Config("AccumulatedEmbedding", Schedule.FORWARD, false, 63));
        all.add(new Config("AccumulatedEmbedding", Schedule.UNFUSED, false, 64));
        return all;
    }

    /** Rows of the embedding models' tables: their inputs are ids in [0, this). */
    static final int EMBEDDING_ROWS = 400;

    static boolean embeddingModel(String model) {
        return model.endsWith("Embedding");
    }

    static Class<? extends Trainer> trainerClass(String model) {
        return switch (model) {
            case "SgdNesterov" -> OptimizerModels_SgdNesterovTrainer.class;
            case "Adam" -> OptimizerModels_AdamTrainer.class;
            case "SmallBuckets" -> DataParallelModels_SmallBucketsTrainer.class;
            case "ClippedSgd" -> ClippingModels_ClippedSgdTrainer.class;
            case "LayerClippedSgd" -> ClippingModels_LayerClippedSgdTrainer.class;
            case "AccumulatedPairsSgd" -> ClippingModels_AccumulatedPairsSgdTrainer.class;
            case "ConvAdam" -> ConvModels_DataParallelAdamTrainer.class;
            case "CosineAdam" -> LrScheduleModels_CosineAdamTrainer.class;
            case "WithDropout" -> DataParallelModels_WithDropoutTrainer.class;
            case "BatchNorm" -> NormModels_DataParallelBatchNormTrainer.class;
            case "WithEmbedding" -> DataParallelModels_WithEmbeddingTrainer.class;
            case "ClippedEmbedding" -> DataParallelModels_ClippedEmbeddingTrainer.class;
            case "AccumulatedEmbedding" -> DataParallelModels_AccumulatedEmbeddingTrainer.class;
            default -> throw new IllegalArgumentException("no data-parallel test model " + model);
        };
    }

    /** Through the generated builder; {@code comm} null for a single-process trainer. */
    public static Trainer build(Config config, Communicator comm, int maxBatch) {
        return build(config, comm, maxBatch, Device.cpu());
    }

    /** As {@link #build(Config, Communicator, int)}, on {@code device}. */
    public static Trainer build(Config config, Communicator comm, int maxBatch, Device device) {
        Class<? extends Trainer> trainer = trainerClass(config.model());
        try {
            Object builder = trainer.getMethod("builder").invoke(null);
            Class<?> type = builder.getClass();
            type.getMethod("device", Device.class).invoke(builder, device);
            type.getMethod("schedule", Schedule.class).invoke(builder, config.schedule());
            type.getMethod("maxBatch", int.class).invoke(builder, maxBatch);
            // rank r > 0 gets another seed: the broadcast from rank 0 must make the weights equal
            type.getMethod("seed", long.class).invoke(builder, WEIGHT_SEED + (comm == null ? 0 : comm.rank()));
            if (comm != null) {
                type.getMethod("communicator", Communicator.class).invoke(builder, comm);
                type.getMethod("shardOptimizerState", boolean.class).invoke(builder, config.sharded());
            }
            return trainer.cast(type.getMethod("build").invoke(builder));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(trainer + " lacks the generated builder API", e);
        }
    }

    /** Ids in [0, {@link #EMBEDDING_ROWS}), as floats. */
    private static float[] ids(SplittableRandom random, int n) {
        float[] ids = new float[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(EMBEDDING_ROWS);
        }
        return ids;
    }

    /** The result of a run: every parameter, every used state slot (then the buffers), and the losses of each step. */
    public record Result(float[] parameters, List<float[]> state, float[] losses) {
    }

    /**
     * Trains {@link #STEPS} steps on batches of {@code config.globalBatch()} samples; this rank takes samples
     * [start, end) of each with {@code start = rank * batch / size} (uneven splits differ by one sample).
     */
    public static Result train(Config config, Communicator comm) {
        return train(config, comm, comm == null ? 0 : comm.rank(), comm == null ? 1 : comm.size());
    }

    /** As {@link #train(Config, Communicator)}, with the shard of {@code rank} of {@code size} (comm may be null). */
    public static Result train(Config config, Communicator comm, int rank, int size) {
        return train(config, comm, rank, size, Device.cpu());
    }

    /** As {@link #train(Config, Communicator, int, int)}, on {@code device}. */
    public static Result train(Config config, Communicator comm, int rank, int size, Device device) {
        int global = config.globalBatch();
        int first = rank * global / size;
        int count = (rank + 1) * global / size - first;
        try (Trainer trainer = build(config, comm, global, device)) {
            SplittableRandom random = new SplittableRandom(DATA_SEED);
            float[] losses = new float[STEPS];
            for (int step = 0; step < STEPS; step++) {
                int input = trainer.inputSize();
                float[] x = embeddingModel(config.model()) ? ids(random, global * input)
                        : Data.uniform(random, global * input, 1.0);
                int[] y = Data.labels(random, global, trainer.outputSize());
                float[] xs = Arrays.copyOfRange(x, first * input, (first + count) * input);
                int[] ys = Arrays.copyOfRange(y, first, first + count);
                losses[step] = trainer.step(xs, ys);
                if (step == STEPS / 2) {
                    trainer.setLearningRateFactor(0.5);  // a run-time change reaches every rank's update
                }
            }
            List<float[]> state = new ArrayList<>();
            for (int slot = 0; slot < trainer.state().stateSlots(); slot++) {
                if (trainer.state().hasStateSlot(slot)) {
                    state.add(trainer.state().exportStateSlot(slot));
                }
            }
            if (trainer.state().bufferSize() > 0) {
                state.add(trainer.state().exportBuffers());  // batch norm's running statistics: the same on every rank
            }
            return new Result(trainer.state().exportParameters(), state, losses);
        }
    }
}
