package dev.fusedtrainer.runtime.dist;

import org.bytedeco.javacpp.Pointer;

/** Argument checks shared by the communicators: cheap, once per collective, before any rank waits. */
final class Buffers {
    private Buffers() {
    }

    /** {@code p} must hold {@code count} elements from its position (where its capacity is known). */
    static void check(String operation, String name, Pointer p, long count) {
        if (p == null || p.isNull()) {
            throw new IllegalArgumentException(operation + ": " + name + " is null");
        }
        if (count < 0) {
            throw new IllegalArgumentException(operation + ": negative length " + count);
        }
        if (p.capacity() > 0 && p.position() + count > p.capacity()) {
            throw new IllegalArgumentException(operation + ": " + name + " holds " + (p.capacity() - p.position())
                    + " elements from its position " + p.position() + ", the collective needs " + count);
        }
    }

    static void checkRoot(String operation, int root, int size) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException(operation + ": root " + root + " is not a rank (0 to " + (size - 1) + ")");
        }
    }

    static long times(String operation, long shard, int size) {
        try {
            return Math.multiplyExact(shard, (long) size);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(operation + ": shard " + shard + " x " + size + " ranks overflows");
        }
    }
}
