package dev.fusedtrainer.runtime.dist;

import dev.fusedtrainer.runtime.cuda.CudaKernels;
import dev.fusedtrainer.runtime.cuda.CudaSupport;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Data-parallel training on GPUs, one process per GPU: NCCL reduces device memory (the gradient buckets,
 * the first weights' broadcast), a host communicator (Open MPI, or {@link Communicator#local()} for one
 * rank) carries everything in host memory: batch sizes, losses, checkpoint bytes, barriers and NCCL's
 * unique id. Debian's Open MPI is not CUDA-aware, so no device pointer ever reaches it.
 *
 * <p>The trainer binds NCCL once its CUDA device is open ({@link #bindDevice}). Device collectives are
 * ordered on CUDA streams, not on the host: {@link #allReduceSumDevice} queues the reduction behind the
 * work queued so far and returns; {@link #awaitDevice} makes later GPU work wait for it. Nothing blocks
 * the host, so reductions overlap the rest of backward without a communication thread.
 *
 * <p>Failure policy: a watchdog thread polls every queued device collective; one that has not completed
 * within {@link #timeout()}, or an asynchronous NCCL error, ends the job through the host communicator's
 * {@link Communicator#abort} (over MPI: every rank, with a message naming the collective), so a rank
 * that died or hangs cannot leave the others waiting on the GPU for ever.
 */
public final class NcclCommunicator implements Communicator {
    private static final long POLL_MILLIS = 20;
    private static NcclCommunicator boundInProcess;  // the native side holds one NCCL communicator per process

    private final Communicator host;
    private boolean bound;
    private int slots;
    private AtomicLongArray slotSequence;            // per slot: the sequence number of its latest collective
    private long sequence;
    private final ConcurrentLinkedQueue<Watched> watched = new ConcurrentLinkedQueue<>();
    private Thread watchdog;
    private volatile String failure;                 // set by the watchdog when it could not end the job itself
    private volatile boolean closed;

    /** A queued device collective (or a blocking phase) that must finish in time. */
    private record Watched(String description, long startNanos, BooleanSupplier done) {
    }

    private NcclCommunicator(Communicator host) {
        this.host = host;
    }

    /** The MPI world as host communicator (launch with mpirun, one rank per GPU). */
    static NcclCommunicator world(Duration timeout) {
        return new NcclCommunicator(MpiCommunicator.world(timeout));
    }

    /**
     * NCCL over any host communicator: {@code over(Communicator.local())} is a one-rank NCCL job that
     * needs no MPI (the single-GPU check of the whole data-parallel path).
     */
    public static NcclCommunicator over(Communicator host) {
        if (host == null || host instanceof NcclCommunicator) {
            throw new IllegalArgumentException("NcclCommunicator.over needs a host communicator (Communicator.mpi() "
                    + "or Communicator.local()), got " + host);
        }
        return new NcclCommunicator(host);
    }

    /**
     * This process's index among the ranks on its machine, as the launcher tells it (Open MPI's
     * {@code OMPI_COMM_WORLD_LOCAL_RANK}, MPICH's {@code MPI_LOCALRANKID}, Slurm's {@code SLURM_LOCALID}); 0 when
     * none is set. One rank per GPU: {@code Device.cuda(NcclCommunicator.localRank())}.
     */
    public static int localRank() {
        for (String name : new String[] {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                try {
                    return Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalStateException(name + "=" + value + " is not a local rank (a number)");
                }
            }
        }
        return 0;
    }

    /** The communicator for host memory. */
    public Communicator host() {
        return host;
    }

    // ---- device memory ----

    /**
     * Loads NCCL and creates this rank's NCCL communicator on the opened CUDA device, with {@code slots}
     * completion events (one per gradient bucket). A collective over the host communicator: every rank
     * calls it, after opening its device. If any rank cannot load NCCL, every rank throws, naming the
     * problem, instead of some ranks waiting for the others.
     */
    public synchronized void bindDevice(int slots) {
        if (bound) {
            throw new IllegalStateException("this NcclCommunicator is bound to a device already: one trainer per "
                    + "communicator (NCCL binds a communicator to one device)");
        }
        synchronized (NcclCommunicator.class) {
            if (boundInProcess != null && boundInProcess != this) {
                throw new IllegalStateException("another NcclCommunicator is bound in this process (" + boundInProcess
                        + "): one GPU trainer per process in a data-parallel job; close it first");
            }
        }
        String problem = CudaSupport.ncclProblem();
        try (FloatPointer flags = new FloatPointer(host.size())) {
            for (int r = 0; r < host.size(); r++) {
                flags.put(r, r == host.rank() && problem != null ? 1 : 0);
            }
            host.allReduceSum(flags, host.size());
            StringBuilder ranks = new StringBuilder();
            for (int r = 0; r < host.size(); r++) {
                if (flags.get(r) != 0) {
                    ranks.append(ranks.length() == 0 ? "" : ", ").append(r);
                }
            }
            if (ranks.length() > 0) {
                throw new CommunicationException("NCCL cannot be used on rank" + (ranks.indexOf(",") > 0 ? "s " : " ")
                        + ranks + (problem != null ? ": " + problem : " (see that rank's message)"));
            }
        }
        this.slots = Math.max(1, slots);
        slotSequence = new AtomicLongArray(this.slots);
        startWatchdog();
        try (BytePointer id = new BytePointer(128)) {
            if (host.rank() == 0) {
                check(CudaKernels.ft_nccl_unique_id(id), "ncclGetUniqueId");
            }
            host.broadcast(id, 128, 0);
            AtomicBoolean initialised = new AtomicBoolean();
            watched.add(new Watched("ncclCommInitRank (" + host.size() + " ranks)", System.nanoTime(), initialised::get));
            try {
                check(CudaKernels.ft_nccl_init(host.size(), host.rank(), id, this.slots), "ncclCommInitRank");
            } finally {
                initialised.set(true);  // returned: a failure is thrown here, not left to the watchdog
            }
        }
        bound = true;
        synchronized (NcclCommunicator.class) {
            boundInProcess = this;
        }
    }

    /** Whether {@link #bindDevice} has run. */
    public boolean bound() {
        return bound;
    }

    /**
     * {@code buf[0..n)} (device memory) := the SUM over ranks, in place, queued on NCCL's stream behind all GPU
     * work queued so far; returns at once. {@code slot} names the event that marks its completion.
     */
    public void allReduceSumDevice(FloatPointer buf, long n, int slot) {
        requireBound();
        check(CudaKernels.ft_nccl_all_reduce_sum(buf, n, slot), "ncclAllReduce of " + n + " floats");
        long seq = ++sequence;
        slotSequence.set(slot, seq);
        watched.add(new Watched("ncclAllReduce of " + n + " floats (slot " + slot + ", collective " + seq + ")",
                System.nanoTime(), () -> slotSequence.get(slot) != seq || query(slot)));
    }

    /** GPU work queued from now on waits for slot {@code slot}'s last collective; the host does not wait. */
    public void awaitDevice(int slot) {
        requireBound();
        CudaKernels.ft_nccl_wait(slot);
    }

    /** {@code buf[0..n)} (device memory) on every rank := rank {@code root}'s; returns when it is done. */
    public void broadcastDevice(FloatPointer buf, long n, int root) {
        requireBound();
        AtomicBoolean finished = new AtomicBoolean();
        watched.add(new Watched("ncclBroadcast of " + n + " floats from rank " + root, System.nanoTime(), finished::get));
        try {
            check(CudaKernels.ft_nccl_broadcast(buf, n, root), "ncclBroadcast of " + n + " floats");
        } finally {
            finished.set(true);
        }
    }

    private boolean query(int slot) {
        int state = CudaKernels.ft_nccl_query(slot);
        if (state < 0) {
            throw new CommunicationException("CUDA error " + CudaKernels.ft_cuda_error_name(-state)
                    + " while waiting for an NCCL collective on rank " + host.rank());
        }
        return state == 1;
    }

    private void requireBound() {
        if (!bound) {
            throw new IllegalStateException("NCCL is not bound to a device yet: the trainer binds it once its CUDA "
                    + "device is open (NcclCommunicator.bindDevice)");
        }
        String f = failure;
        if (f != null) {
            throw new CommunicationException(f);
        }
    }

    private void check(int result, String what) {
        if (result == 0) {
            return;
        }
        String why = result == -1 ? CudaKernels.ft_nccl_message()
                : result == -2 ? "CUDA error " + CudaKernels.ft_cuda_error_name(CudaKernels.ft_cuda_last_error())
                : CudaKernels.ft_nccl_error_string(result) + " (ncclResult_t " + result + ")";
        throw new CommunicationException(what + " failed on rank " + host.rank() + " of " + host.size() + ": " + why);
    }

    // ---- the watchdog ----

    private void startWatchdog() {
        long limit = host.timeout().isZero() ? DEFAULT_TIMEOUT.toNanos() : host.timeout().toNanos();
        watchdog = new Thread(() -> watch(limit), "ft-nccl-watchdog-rank-" + host.rank());
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void watch(long limitNanos) {
        while (!closed) {
            try {
                Thread.sleep(POLL_MILLIS);
                Watched head;
                while ((head = watched.peek()) != null && head.done().getAsBoolean()) {
                    watched.poll();  // the stream is in order: an older collective is done when a newer one is
                }
                int asyncError = bound ? CudaKernels.ft_nccl_async_error() : 0;
                String problem = null;
                if (asyncError != 0) {
                    problem = "NCCL reported an asynchronous error on rank " + host.rank() + ": "
                            + CudaKernels.ft_nccl_error_string(asyncError) + " (ncclResult_t " + asyncError + ")";
                } else if (head != null && System.nanoTime() - head.startNanos() > limitNanos) {
                    problem = head.description() + " did not complete within " + Duration.ofNanos(limitNanos).toSeconds()
                            + " s on rank " + host.rank() + " of " + host.size() + ": a peer rank died, hangs, or "
                            + "called a different collective (timeout: -D" + TIMEOUT_PROPERTY + " or " + TIMEOUT_ENV + ")";
                }
                if (problem != null) {
                    failure = problem;
                    CudaKernels.ft_nccl_abort();
                    host.abort(problem);  // over MPI this ends every rank and does not return
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failure = "the NCCL watchdog of rank " + host.rank() + " failed: " + e.getMessage();
                return;
            }
        }
    }

    // ---- host memory: the host communicator ----

    @Override
    public int rank() {
        return host.rank();
    }

    @Override
    public int size() {
        return host.size();
    }

    @Override
    public Duration timeout() {
        return host.timeout();
    }

    @Override
    public void allReduceSum(FloatPointer buf, long n) {
        host.allReduceSum(buf, n);
    }

    @Override
    public void reduceScatter(FloatPointer send, FloatPointer recv, long shard) {
        host.reduceScatter(send, recv, shard);
    }

    @Override
    public void allGather(FloatPointer buf, long shard) {
        host.allGather(buf, shard);
    }

    @Override
    public void reduceScatterBlocks(FloatPointer send, FloatPointer recv, long n) {
        host.reduceScatterBlocks(send, recv, n);
    }

    @Override
    public void allGatherBlocks(FloatPointer buf, long n) {
        host.allGatherBlocks(buf, n);
    }

    @Override
    public void broadcast(FloatPointer buf, long n, int root) {
        host.broadcast(buf, n, root);
    }

    @Override
    public void broadcast(BytePointer buf, long n, int root) {
        host.broadcast(buf, n, root);
    }

    @Override
    public void barrier() {
        host.barrier();
    }

    @Override
    public void abort(String reason) {
        if (bound) {
            CudaKernels.ft_nccl_abort();
        }
        host.abort(reason);
    }

    /** Destroys the NCCL communicator (after its queued collectives), then closes the host communicator. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (watchdog != null) {
            watchdog.interrupt();
            try {
                watchdog.join(POLL_MILLIS * 50);  // it queries the events that ft_nccl_destroy frees
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (bound) {
            CudaKernels.ft_nccl_destroy();
            bound = false;
        }
        synchronized (NcclCommunicator.class) {
            if (boundInProcess == this) {
                boundInProcess = null;
            }
        }
        host.close();
    }

    @Override
    public String toString() {
        return "NcclCommunicator[rank " + host.rank() + " of " + host.size() + ", host " + host.getClass().getSimpleName()
                + (bound ? ", NCCL " + CudaKernels.ft_nccl_version() : ", not bound") + "]";
    }
}
