package dev.fusedtrainer.annotations;

/** When each layer's optimizer update runs relative to the forward and backward passes. */
public enum Schedule {
    /** Forward, backward, then one separate update pass over all parameters: the baseline. */
    UNFUSED,
    /** Each layer is updated inside backward, right after its weight gradient is produced. */
    BACKWARD,
    /** Each layer's update is deferred to just before that layer's next forward use. */
    FORWARD
}
