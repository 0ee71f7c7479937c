package dev.fusedtrainer.runtime.checkpoint;

import dev.fusedtrainer.runtime.LearningRateSchedule;
import dev.fusedtrainer.runtime.TrainerState;
import dev.fusedtrainer.runtime.data.BatchStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue a run exactly where it stopped.
 *
 * <ul>
 * <li>Model: the layout fingerprint, all parameters, each used optimizer state slot, the buffers (batch norm's
 *     running statistics; empty when read from a file older than version 3, which predates them), the step
 *     counter (Adam's bias correction reads it).
 * <li>Schedule state: the schedule's name. A FORWARD trainer holds the last step's update pending
 *     until the next forward; {@link TrainerState}'s exports apply it first, so the saved weights
 *     already include it and no pending update is left to save. Applying it early is exact: it is
 *     the same update on the same gradient with the same step number, only run sooner.
 * <li>Learning rate: the schedule in force (its {@link LearningRateSchedule#encode()} form) and the factor, so a
 *     resumed run continues with the rates it would have used; null and 1 when read from a version-1 file, which
 *     predates them (the trainer's own are then kept).
 * <li>Data: the epoch, the position inside it, that epoch's sample order and the shuffling RNG's state.
 * <li>{@code settings}: free-form key/values the program wants back (batch size, learning rate, ...).
 * </ul>
 */
public record Checkpoint(
        String modelName,
        String fingerprint,
        String schedule,
        long stepCount,
        String learningRateSchedule,
        double learningRateFactor,
        float[] parameters,
        Map<Integer, float[]> stateSlots,
        float[] buffers,
        BatchStream.Position data,
        Map<String, String> settings) {

    public Checkpoint {
        stateSlots = Map.copyOf(stateSlots);
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** Captures a trainer's state (applying pending FORWARD updates) and the data stream's position. */
    public static Checkpoint capture(String modelName, String schedule, TrainerState state, BatchStream.Position data,
                                     Map<String, String> settings) {
        Map<Integer, float[]> slots = new LinkedHashMap<>();
        for (int slot = 0; slot < state.stateSlots(); slot++) {
            if (state.hasStateSlot(slot)) {
                slots.put(slot, state.exportStateSlot(slot));
            }
        }
        return new Checkpoint(modelName, state.layoutFingerprint(), schedule, state.stepCount(),
                state.learningRateSchedule().encode(), state.learningRateFactor(), state.exportParameters(), slots,
                state.exportBuffers(), data, settings);
    }

    /**
     * Loads the model half into a trainer whose fingerprint must match; the caller restores the data
     * position from {@link #data()}.
     *
     * @throws IllegalArgumentException naming what differs, before anything is changed
     */
    public void restoreInto(TrainerState state) {
        if (!fingerprint.equals(state.layoutFingerprint())) {
            throw new IllegalArgumentException("the checkpoint is from model " + modelName + " with layout fingerprint "
                    + fingerprint + ", but this trainer's layout fingerprint is " + state.layoutFingerprint()
                    + " (different layers, shapes or optimizer settings)");
        }
        if (parameters.length != state.parameterCount()) {
            throw new IllegalArgumentException("the checkpoint holds " + parameters.length
                    + " parameters, the trainer has " + state.parameterCount());
        }
        for (int slot = 0; slot < state.stateSlots(); slot++) {
            if (state.hasStateSlot(slot) != stateSlots.containsKey(slot)) {
                throw new IllegalArgumentException("optimizer state slot " + slot + " is "
                        + (stateSlots.containsKey(slot) ? "in the checkpoint but not used by the trainer"
                                : "used by the trainer but missing from the checkpoint"));
            }
        }
        if (buffers.length != state.bufferSize()) {
            throw new IllegalArgumentException("the checkpoint holds " + buffers.length + " buffer floats (batch norm "
                    + "running statistics), the trainer has " + state.bufferSize()
                    + (buffers.length == 0 ? ": the file predates format version 3, which added them" : ""));
        }
        LearningRateSchedule rates = learningRateSchedule == null ? null : LearningRateSchedule.parse(learningRateSchedule);
        state.importParameters(parameters);
        for (Map.Entry<Integer, float[]> slot : stateSlots.entrySet()) {
            state.importStateSlot(slot.getKey(), slot.getValue());
        }
        state.importBuffers(buffers);
        state.setStepCount(stepCount);
        if (rates != null) {
            state.setLearningRateSchedule(rates);
            state.setLearningRateFactor(learningRateFactor);
        }
    }
}
