package dev.fusedtrainer.processor.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans the data-parallel gradient buckets at compile time (the trainer's graph is static, so no
 * warm-up iterations are needed to discover an order, unlike run-time bucketing).
 *
 * <p>Buckets are contiguous ranges of the flat parameter block in backward order (the first bucket ends
 * at the last parameter). A layer that fits joins the open bucket while the bucket stays within the
 * capacity, so small layers share one reduction; a layer larger than the capacity is cut into equal
 * pieces of at most the capacity, each its own bucket, so its reduction can start before its
 * neighbours' gradients exist and the pieces pipeline.
 */
public final class BucketPlanner {
    private BucketPlanner() {
    }

    /** A bucket: floats [start, end) of the flat parameter block, completed by {@code layer}'s gradient. */
    public record Bucket(long start, long end, int completingLayer) {
        public long length() {
            return end - start;
        }
    }

    public static List<Bucket> plan(List<LayerSpec> layers, long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("bucket capacity must be >= 1 float, got " + capacity);
        }
        long[] offsets = new long[layers.size() + 1];
        for (int i = 0; i < layers.size(); i++) {
            offsets[i + 1] = offsets[i] + layers.get(i).parameterCount();
        }
        List<Bucket> buckets = new ArrayList<>();
        long openEnd = -1;  // end of the open bucket, -1 when none is open
        int openLowest = -1;
        for (int i = layers.size() - 1; i >= 0; i--) {
            long start = offsets[i];
            long count = offsets[i + 1] - start;
            if (count == 0) {
                continue;  // pooling, Flatten: nothing to reduce, and no reason to wait for their backward
            }
            boolean fits = count <= capacity;
            if (openEnd >= 0 && (!fits || openEnd - start > capacity)) {
                buckets.add(new Bucket(offsets[i + 1], openEnd, openLowest));
                openEnd = -1;
            }
            if (fits) {
                if (openEnd < 0) {
                    openEnd = offsets[i + 1];
                }
                openLowest = i;
            } else {
                long pieces = (count + capacity - 1) / capacity;
                for (long p = pieces - 1; p >= 0; p--) {
                    buckets.add(new Bucket(start + p * count / pieces, start + (p + 1) * count / pieces, i));
                }
            }
        }
        if (openEnd >= 0) {
            buckets.add(new Bucket(0, openEnd, openLowest));
        }
        return List.copyOf(buckets);
    }
}
