package dev.fusedtrainer.runtime;

/**
 * The complete mutable state of a trainer, as flat arrays, for checkpoints: all parameters in
 * layer order, each optimizer state slot (same layout as the parameters), the buffers (batch norm's running
 * statistics), the step counter and the learning rate's schedule and factor.
 * Exports apply pending FORWARD updates first, so what is exported is never stale.
 */
public interface TrainerState {

    /** Identifies the model's layout and optimizer settings; a checkpoint must match it to be loaded. */
    String layoutFingerprint();

    long stepCount();

    void setStepCount(long steps);

    int parameterCount();

    float[] exportParameters();

    void importParameters(float[] values);

    /** Number of optimizer state slots (each as large as the parameters); unused slots are absent. */
    int stateSlots();

    boolean hasStateSlot(int slot);

    float[] exportStateSlot(int slot);

    void importStateSlot(int slot, float[] values);

    /** Floats of the buffers: each batch norm layer's running mean then variance, in layer order (0 without). */
    int bufferSize();

    float[] exportBuffers();

    void importBuffers(float[] values);

    /** One buffer by name, {@code <layer>.running_mean} or {@code <layer>.running_var}. */
    float[] exportBuffer(String name);

    /** The factor every layer's annotated learning rate is multiplied by, besides the schedule (1 until changed). */
    double learningRateFactor();

    void setLearningRateFactor(double factor);

    /** The schedule in force: the model's {@code @LrSchedule}, constant without one, until replaced. */
    LearningRateSchedule learningRateSchedule();

    void setLearningRateSchedule(LearningRateSchedule schedule);
}
