package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.dist.CommunicationStats;
import java.util.List;

/**
 * What every generated {@code <Model>Trainer} offers. Trainers own native memory: use them in
 * try-with-resources. They are not thread-safe; use one per thread.
 *
 * <p>Inputs are flat row-major batches: {@code inputs.length == batch * inputSize()}.
 */
public interface Trainer extends AutoCloseable {

    /** The model class this trainer was generated for. */
    String modelName();

    /** The fusion schedule this trainer runs. */
    Schedule schedule();

    Device device();

    Loss loss();

    int inputSize();

    int outputSize();

    /** The largest batch {@link #step} accepts (chosen in the builder). */
    int maxBatch();

    /** Completed training steps. */
    long stepCount();

    /**
     * One training step on a batch with integer class labels (softmax cross-entropy models):
     * forward, backward and the optimizer update. Returns the batch's mean loss.
     */
    float step(float[] inputs, int[] labels);

    /** One training step with float targets (mean squared error and binary cross-entropy models). */
    float step(float[] inputs, float[] targets);

    /** The model's outputs (logits for classification) for any number of samples. */
    float[] predict(float[] inputs);

    /** Like {@link #predict(float[])}, writing into {@code outputs} ({@code samples * outputSize()} floats). */
    void predict(float[] inputs, float[] outputs);

    /** Mean loss and accuracy over any number of labelled samples, without training. */
    Evaluation evaluate(float[] inputs, int[] labels);

    /** Mean loss (and for binary cross-entropy, accuracy) over samples with float targets. */
    Evaluation evaluate(float[] inputs, float[] targets);

    /** Every parameter tensor, in layer order: {@code <layer>.weight} then {@code <layer>.bias}. */
    List<ParameterInfo> parameters();

    /** A copy of one parameter tensor (row-major). Pending FORWARD updates are applied first. */
    float[] parameter(String name);

    /** Overwrites one parameter tensor from a copy. */
    void setParameter(String name, float[] values);

    /**
     * A copy of one buffer: a batch norm layer's {@code <layer>.running_mean} or {@code <layer>.running_var}, as
     * PyTorch's state_dict names them (they are state, not parameters: no optimizer updates them).
     */
    default float[] buffer(String name) {
        return state().exportBuffer(name);
    }

    /**
     * Scales every layer's learning rate: each layer then trains with its annotated {@code lr}
     * times {@code factor} times the schedule's factor (a manual control on top of
     * {@link #setLearningRateSchedule}). Pending FORWARD updates are
     * applied first, at the rate their gradients were computed under.
     */
    void setLearningRateFactor(double factor);

    /** The current learning-rate factor (1 until changed). */
    double learningRateFactor();

    /**
     * Replaces the learning-rate schedule from the next update on (the model's {@code @LrSchedule}, or a
     * constant one, until then). The schedule is read at every update, by the update's number: replacing it
     * mid-run continues the new schedule at the current step count, as {@link #stepCount()} says. Pending
     * FORWARD updates are applied first, at their own rate. Checkpoints carry the schedule in force. Each
     * layer's rate is its annotated {@code lr} times the schedule's factor times {@link #learningRateFactor()}.
     */
    default void setLearningRateSchedule(LearningRateSchedule schedule) {
        state().setLearningRateSchedule(schedule);
    }

    /** The learning-rate schedule in force. */
    default LearningRateSchedule learningRateSchedule() {
        return state().learningRateSchedule();
    }

    /**
     * This rank's communication since the trainer was built: how long collectives took and how long
     * training waited for them. {@link CommunicationStats#NONE} for a single-process trainer.
     */
    default CommunicationStats communicationStats() {
        return state() instanceof TrainerCore core ? core.communicationStats() : CommunicationStats.NONE;
    }

    /** Low-level access to the whole training state, for checkpoints. */
    TrainerState state();

    /** Frees the native memory. Safe to call more than once; later use throws IllegalStateException. */
    @Override
    void close();
}
