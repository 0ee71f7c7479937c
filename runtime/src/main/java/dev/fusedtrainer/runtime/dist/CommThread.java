package dev.fusedtrainer.runtime.dist;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A dedicated communication thread: runs submitted collectives one at a time, in submission order, on
 * one {@link Communicator}, and hands back a {@link Pending} to wait on. Open MPI has no asynchronous
 * progress thread, so a reduction overlaps computation only if some thread drives it; this is that
 * thread, and the order it keeps is what lets every rank match the same collectives (submit from one
 * thread, in the same order on every rank).
 *
 * <p>A submitted buffer belongs to the collective until its {@link Pending} is done: do not read or
 * write it before. If a collective fails, every collective queued after it fails too (with the first
 * failure as cause) and none runs: their peers would wait for collectives this rank no longer makes.
 *
 * <p>Bound: {@link Pending#await()} throws {@link CommTimeoutException} once the collective running now
 * has run longer than the communicator's timeout plus {@link #GRACE}, so no waiter waits for ever on a
 * collective that never completes. Over MPI the communicator itself ends the job at its timeout (see
 * {@link MpiCommunicator}), so this is a second line for communicators without their own deadline.
 */
public final class CommThread implements AutoCloseable {
    /** How much longer than the communicator's timeout a waiter waits before giving up by itself. */
    public static final Duration GRACE = Duration.ofSeconds(1);

    private final Communicator comm;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final long limitNanos;
    private final Pending stop = new Pending(-1, "stop", null);
    private long submitted;
    private boolean closed;
    private volatile Pending running;
    private volatile long runningSince;
    private volatile Pending failed;
    private volatile Pending lastSubmitted;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong waitedNanos = new AtomicLong();

    public CommThread(Communicator comm) {
        this.comm = comm;
        Duration timeout = comm.timeout();
        this.limitNanos = timeout.isZero() ? Long.MAX_VALUE : timeout.plus(GRACE).toNanos();
        this.thread = new Thread(this::run, "ft-comm-rank-" + comm.rank());
        thread.setDaemon(true);
        thread.start();
    }

    public Communicator communicator() {
        return comm;
    }

    /** Collectives run so far, the time they took here, and the time callers were blocked in {@code await}. */
    public CommunicationStats stats() {
        return new CommunicationStats(completed.get(), busyNanos.get(), waitedNanos.get());
    }

    /** {@link Communicator#allReduceSum}, queued. */
    public Pending allReduceSum(FloatPointer buf, long n) {
        return submit("allReduceSum(" + n + ")", () -> comm.allReduceSum(buf, n));
    }

    /** {@link Communicator#reduceScatter}, queued. */
    public Pending reduceScatter(FloatPointer send, FloatPointer recv, long shard) {
        return submit("reduceScatter(" + shard + ")", () -> comm.reduceScatter(send, recv, shard));
    }

    /** {@link Communicator#allGather}, queued. */
    public Pending allGather(FloatPointer buf, long shard) {
        return submit("allGather(" + shard + ")", () -> comm.allGather(buf, shard));
    }

    /** {@link Communicator#reduceScatterBlocks}, queued. */
    public Pending reduceScatterBlocks(FloatPointer send, FloatPointer recv, long n) {
        return submit("reduceScatterBlocks(" + n + ")", () -> comm.reduceScatterBlocks(send, recv, n));
    }

    /** {@link Communicator#allGatherBlocks}, queued. */
    public Pending allGatherBlocks(FloatPointer buf, long n) {
        return submit("allGatherBlocks(" + n + ")", () -> comm.allGatherBlocks(buf, n));
    }

    /** {@link Communicator#broadcast(FloatPointer, long, int)}, queued. */
    public Pending broadcast(FloatPointer buf, long n, int root) {
        return submit("broadcast(" + n + " floats, root " + root + ")", () -> comm.broadcast(buf, n, root));
    }

    /** {@link Communicator#broadcast(BytePointer, long, int)}, queued. */
    public Pending broadcast(BytePointer buf, long n, int root) {
        return submit("broadcast(" + n + " bytes, root " + root + ")", () -> comm.broadcast(buf, n, root));
    }

    /** {@link Communicator#barrier}, queued. */
    public Pending barrier() {
        return submit("barrier", comm::barrier);
    }

    /** Any collective on {@link #communicator()}, run on this thread after everything submitted before. */
    public synchronized Pending submit(String description, Runnable collective) {
        if (closed) {
            throw new IllegalStateException("CommThread is closed; cannot submit " + description);
        }
        Pending pending = new Pending(++submitted, description, collective);
        lastSubmitted = pending;
        queue.add(pending);
        return pending;
    }

    /** Waits for everything submitted so far ({@link Pending#await()} of the last one). */
    public void drain() {
        Pending last = lastSubmitted;
        if (last != null) {
            last.await();
        }
    }

    /** Runs what is queued, then stops the thread. Does not close the communicator. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(stop);
        }
        stop.await();
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(Math.min(limitNanos, TimeUnit.SECONDS.toNanos(60))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String prefix() {
        return "[FT-COMM] rank " + comm.rank() + " of " + comm.size() + ": ";
    }

    private void run() {
        for (;;) {
            Pending next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                continue; // only close() ends this thread
            }
            if (next == stop) {
                next.finish(null, null);
                return;
            }
            Pending cause = failed;
            if (cause != null) {
                next.finish(cause.failure, prefix() + "collective #" + next.sequence + " " + next.description
                        + " was not run: collective #" + cause.sequence + " " + cause.description + " failed before it: "
                        + cause.failure);
                continue;
            }
            runningSince = System.nanoTime();
            running = next;
            Throwable failure = null;
            try {
                next.collective.run();
            } catch (Throwable t) {
                failure = t;
                failed = next;
            }
            running = null;
            busyNanos.addAndGet(System.nanoTime() - runningSince);
            completed.incrementAndGet();
            next.finish(failure, failure == null ? null : prefix() + "collective #" + next.sequence + " "
                    + next.description + " failed: " + failure.getMessage());
        }
    }

    /** A submitted collective: done when it has completed or failed on this rank. */
    public final class Pending {
        private final long sequence;
        private final String description;
        private final Runnable collective;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile Throwable failure;
        private volatile String message;

        private Pending(long sequence, String description, Runnable collective) {
            this.sequence = sequence;
            this.description = description;
            this.collective = collective;
        }

        /** 1 for the first collective submitted to this thread, then 2, 3, … */
        public long sequence() {
            return sequence;
        }

        public String description() {
            return description;
        }

        public boolean isDone() {
            return done.getCount() == 0;
        }

        /**
         * Returns when the collective has completed; throws {@link CommunicationException} if it failed
         * (or one before it did), {@link CommTimeoutException} if the collective running now has run
         * longer than the communicator's timeout plus {@link #GRACE}.
         */
        public void await() {
            if (isDone()) {
                rethrow();
                return;
            }
            long start = System.nanoTime();
            try {
                while (!done.await(50, TimeUnit.MILLISECONDS)) {
                    Pending now = running;
                    long since = runningSince;
                    if (now != null && running == now && System.nanoTime() - since > limitNanos) {
                        throw new CommTimeoutException(prefix() + "collective #" + now.sequence + " " + now.description + " has run for more than "
                                + TimeUnit.NANOSECONDS.toMillis(limitNanos) + " ms (timeout + grace) while waiting for #"
                                + sequence + " " + description + ": a peer rank died or hung");
                    }
                }
            } catch (InterruptedException e) {
                waitedNanos.addAndGet(System.nanoTime() - start);
                Thread.currentThread().interrupt();
                throw new CommunicationException("interrupted while waiting for collective #" + sequence + " "
                        + description, e);
            }
            waitedNanos.addAndGet(System.nanoTime() - start);
            rethrow();
        }

        /** As {@link #await()}, but gives up with {@link CommTimeoutException} after {@code limit}. */
        public void await(Duration limit) {
            try {
                if (!done.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw new CommTimeoutException(prefix() + "collective #" + sequence + " " + description + " did not complete within "
                            + limit.toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicationException("interrupted while waiting for collective #" + sequence + " "
                        + description, e);
            }
            rethrow();
        }

        private void rethrow() {
            Throwable f = failure;
            if (f == null) {
                return;
            }
            CommunicationException e = f instanceof CommTimeoutException
                    ? new CommTimeoutException(message) : new CommunicationException(message);
            e.initCause(f);
            throw e;
        }

        private void finish(Throwable failure, String message) {
            this.failure = failure;
            this.message = message;
            done.countDown();
        }

        @Override
        public String toString() {
            return "#" + sequence + " " + description + (isDone() ? (failure == null ? " (done)" : " (failed)") : "");
        }
    }
}
