package dev.fusedtrainer.runtime;

import java.util.Arrays;

/**
 * How a data-parallel trainer groups its gradient into reduction buckets, fixed at compile time: the
 * processor plans it from the model's layers and {@code @Model(bucketFloats)}, and the generated backward
 * pass starts bucket k's reduction right after the gradient of the layer that completes it.
 *
 * <p>Buckets are contiguous ranges of the flat parameter block, in backward order: bucket 0 ends at the
 * last parameter, each next bucket ends where the previous one starts, the last starts at 0. So a bucket
 * holds whole consecutive layers, or (for a layer larger than the capacity) a piece of one layer.
 *
 * @param starts where each bucket starts, strictly decreasing, the last one 0
 */
public record BucketPlan(ModelLayout layout, long[] starts) {

    public BucketPlan {
        starts = starts.clone();
        long total = layout.parameterCount();
        if (starts.length == 0 || starts[starts.length - 1] != 0) {
            throw new IllegalArgumentException("bucket plan of " + layout.modelName() + ": the last bucket must start at 0, got "
                    + Arrays.toString(starts));
        }
        long end = total;
        for (long start : starts) {
            if (start < 0 || start >= end) {
                throw new IllegalArgumentException("bucket plan of " + layout.modelName() + ": starts must decrease from below "
                        + total + " to 0, got " + Arrays.toString(starts));
            }
            end = start;
        }
    }

    public int size() {
        return starts.length;
    }

    public long start(int bucket) {
        return starts[bucket];
    }

    public long end(int bucket) {
        return bucket == 0 ? layout.parameterCount() : starts[bucket - 1];
    }

    public long length(int bucket) {
        return end(bucket) - start(bucket);
    }

    /** Buckets that hold any parameter of {@code layer}. */
    public int[] bucketsOf(int layer) {
        long from = layout.offsetOf(layer);
        long to = from + layout.layers().get(layer).parameterCount();
        if (to == from) {
            return new int[0];  // no parameters (pooling, flatten, dropout): in no bucket, even one it sits inside
        }
        return java.util.stream.IntStream.range(0, starts.length)
                .filter(k -> start(k) < to && end(k) > from).toArray();
    }

    /** The layer whose gradient completes {@code bucket} (the one holding its first parameter). */
    public int completingLayer(int bucket) {
        long start = start(bucket);
        for (int i = layout.layers().size() - 1; i >= 0; i--) {
            if (layout.offsetOf(i) <= start && layout.layers().get(i).parameterCount() > 0) {
                return i;
            }
        }
        throw new IllegalStateException("unreachable: bucket " + bucket + " starts at " + start);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BucketPlan other && layout.equals(other.layout) && Arrays.equals(starts, other.starts);
    }

    @Override
    public int hashCode() {
        return layout.hashCode() * 31 + Arrays.hashCode(starts);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("BucketPlan[");
        for (int k = 0; k < starts.length; k++) {
            text.append(k == 0 ? "" : ", ").append('[').append(start(k)).append(',').append(end(k)).append(')');
        }
        return text.append(']').toString();
    }
}
