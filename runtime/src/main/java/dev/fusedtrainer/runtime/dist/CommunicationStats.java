package dev.fusedtrainer.runtime.dist;

/**
 * What a rank's communication cost: {@code collectives} run on its {@link CommThread}, the time they
 * took there ({@code busyNanos}, waiting for peers included), and the time the training thread was
 * blocked waiting for them ({@code waitedNanos}). Communication not waited for was hidden behind compute.
 */
public record CommunicationStats(long collectives, long busyNanos, long waitedNanos) {
    /** A single-process trainer: nothing communicated. */
    public static final CommunicationStats NONE = new CommunicationStats(0, 0, 0);

    /** The share of communication time that the training thread did not wait for (NaN when there was none). */
    public double hiddenFraction() {
        return busyNanos == 0 ? Double.NaN : 1 - (double) waitedNanos / busyNanos;
    }

    /** What happened between {@code earlier} and this snapshot. */
    public CommunicationStats since(CommunicationStats earlier) {
        return new CommunicationStats(collectives - earlier.collectives, busyNanos - earlier.busyNanos,
                waitedNanos - earlier.waitedNanos);
    }
}
