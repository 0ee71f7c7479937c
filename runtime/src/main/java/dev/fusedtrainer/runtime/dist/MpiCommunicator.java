package dev.fusedtrainer.runtime.dist;

import java.time.Duration;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

/**
 * The MPI world communicator (Open MPI's C API through {@link MpiNative}), one process per rank launched
 * by {@code mpirun}. Initialised once per process with {@code MPI_THREAD_SERIALIZED}: every call is made
 * under this object's lock, so calls from several threads (a trainer and its {@link CommThread}) never
 * overlap.
 *
 * <p>Failure policy: each collective is started non-blocking and polled until {@link #timeout()} has
 * passed since it started. A collective that times out or reports an MPI error prints one line naming
 * the rank, the collective, its sequence number and size, and the cause, to standard error, then ends
 * the job with {@code MPI_Abort} (exit code {@value #ABORT_TIMEOUT} on a timeout, {@value #ABORT_ERROR}
 * on an error): once one rank has given up on a collective the ranks no longer agree on what comes next,
 * so no rank can go on. A rank that exits early is seen by {@code mpirun}, which ends the job itself.
 * Either way every rank is gone at most {@code timeout() + } a few seconds after the collective that a
 * dead or hung peer never joined has started.
 */
public final class MpiCommunicator implements Communicator {
    /** Exit code of every rank when a collective timed out. */
    public static final int ABORT_TIMEOUT = 124;
    /** Exit code of every rank when a collective failed with an MPI error or {@link #abort} was called. */
    public static final int ABORT_ERROR = 70;

    private static final String PLATFORM_LIBRARY = Loader.getPlatform() + "/" + System.mapLibraryName("jniMpiNative");
    /** Variables mpirun (Open MPI, or a PMI/PMIx launcher) sets for each rank it starts. */
    private static final List<String> LAUNCHER_VARIABLES = List.of("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK");

    private static MpiCommunicator world;
    private static boolean finalized;

    private final int rank;
    private final int size;
    private final Duration timeout;
    private final int timeoutMs;
    private long sequence;
    private boolean open = true;

    private MpiCommunicator(int rank, int size, Duration timeout) {
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
        this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    static synchronized MpiCommunicator world(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the MPI collective timeout must be positive, was " + timeout);
        }
        if (world != null) {
            return world;
        }
        if (finalized) {
            throw new IllegalStateException("MPI was finalised by Communicator.close(); MPI cannot be "
                    + "initialised twice in one process");
        }
        String problem = unavailableReason();
        if (problem != null) {
            throw new IllegalStateException("Communicator.mpi() is not available: " + problem);
        }
        int rc = MpiNative.ft_mpi_init(MpiNative.ft_mpi_thread_serialized());
        if (rc != 0) {
            throw new IllegalStateException("MPI_Init_thread failed: " + MpiNative.ft_mpi_error_string(rc)
                    + (rc == MpiNative.FT_MPI_THREAD_LEVEL ? " (granted level " + MpiNative.ft_mpi_thread_level()
                    + ")" : "") + "; MPI library: " + MpiNative.ft_mpi_library_version());
        }
        world = new MpiCommunicator(MpiNative.ft_mpi_rank(), MpiNative.ft_mpi_size(), timeout);
        return world;
    }

    /**
     * Null when {@link Communicator#mpi()} can work in this process: the MPI library was built, loads,
     * and the process was launched by mpirun; otherwise what to install or how to launch, in words.
     */
    public static String unavailableReason() {
        String problem = bindingProblem();
        if (problem != null) {
            return problem;
        }
        if (LAUNCHER_VARIABLES.stream().noneMatch(v -> System.getenv(v) != null)) {
            return "this process was not launched by mpirun (none of " + String.join(", ", LAUNCHER_VARIABLES)
                    + " is set): start one process per rank with e.g. `mpirun -np 2 env java -cp ... Main` (env: mpirun rewrites a bare java's options); as root "
                    + "also set OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (docs/distributed.md)";
        }
        return null;
    }

    /** Null when the MPI binding is built and Open MPI's library loads (launching aside); else what to install. */
    public static String bindingProblem() {
        if (MpiCommunicator.class.getResource(PLATFORM_LIBRARY) == null) {
            return "this build has no MPI library: install Open MPI's development files and rebuild "
                    + "(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; the runtime module's 'mpi' "
                    + "Maven profile turns on where /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h exists; see "
                    + "docs/distributed.md). Missing resource: dev/fusedtrainer/runtime/dist/" + PLATFORM_LIBRARY;
        }
        return load();
    }

    private static String loadProblem;
    private static boolean loaded;

    private static synchronized String load() {
        if (loaded || loadProblem != null) {
            return loadProblem;
        }
        try {
            Loader.load(MpiNative.class);
            loaded = true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            loadProblem = "the MPI binding is built but Open MPI's runtime library (libmpi.so.40) could not be "
                    + "loaded: install openmpi-bin (Debian/Ubuntu: apt-get install openmpi-bin). Cause: " + e;
        }
        return loadProblem;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public synchronized void allReduceSum(FloatPointer buf, long n) {
        Buffers.check("allReduceSum", "buf", buf, n);
        long number = begin();
        check(MpiNative.ft_mpi_allreduce_sum(buf, n, timeoutMs), "allReduceSum", number, n + " floats");
    }

    @Override
    public synchronized void reduceScatter(FloatPointer send, FloatPointer recv, long shard) {
        Buffers.check("reduceScatter", "send", send, Buffers.times("reduceScatter", shard, size));
        Buffers.check("reduceScatter", "recv", recv, shard);
        long number = begin();
        check(MpiNative.ft_mpi_reduce_scatter_sum(send, recv, shard, timeoutMs), "reduceScatter", number,
                shard + " floats per rank");
    }

    @Override
    public synchronized void allGather(FloatPointer buf, long shard) {
        Buffers.check("allGather", "buf", buf, Buffers.times("allGather", shard, size));
        long number = begin();
        check(MpiNative.ft_mpi_allgather(buf, shard, timeoutMs), "allGather", number, shard + " floats per rank");
    }

    @Override
    public synchronized void reduceScatterBlocks(FloatPointer send, FloatPointer recv, long n) {
        Buffers.check("reduceScatterBlocks", "send", send, n);
        Buffers.check("reduceScatterBlocks", "recv", recv, Communicator.blockLength(n, size, rank));
        long number = begin();
        check(MpiNative.ft_mpi_reduce_scatter_blocks(send, recv, n, timeoutMs), "reduceScatterBlocks", number,
                n + " floats in blocks of " + Communicator.shardLength(n, size));
    }

    @Override
    public synchronized void allGatherBlocks(FloatPointer buf, long n) {
        Buffers.check("allGatherBlocks", "buf", buf, n);
        long number = begin();
        check(MpiNative.ft_mpi_allgather_blocks(buf, n, timeoutMs), "allGatherBlocks", number,
                n + " floats in blocks of " + Communicator.shardLength(n, size));
    }

    @Override
    public synchronized void broadcast(FloatPointer buf, long n, int root) {
        Buffers.check("broadcast", "buf", buf, n);
        Buffers.checkRoot("broadcast", root, size);
        long number = begin();
        check(MpiNative.ft_mpi_bcast_floats(buf, n, root, timeoutMs), "broadcast", number,
                n + " floats from rank " + root);
    }

    @Override
    public synchronized void broadcast(BytePointer buf, long n, int root) {
        Buffers.check("broadcast", "buf", buf, n);
        Buffers.checkRoot("broadcast", root, size);
        long number = begin();
        check(MpiNative.ft_mpi_bcast_bytes(buf, n, root, timeoutMs), "broadcast", number,
                n + " bytes from rank " + root);
    }

    @Override
    public synchronized void barrier() {
        long number = begin();
        check(MpiNative.ft_mpi_barrier(timeoutMs), "barrier", number, "");
    }

    @Override
    public synchronized void abort(String reason) {
        end(prefix() + "abort: " + reason + ". Ending the job (MPI_Abort).", ABORT_ERROR);
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        synchronized (MpiCommunicator.class) {
            world = null;
            finalized = true;
        }
        int rc = MpiNative.ft_mpi_finalize();
        if (rc != 0) {
            throw new CommunicationException(prefix() + "MPI_Finalize failed: " + MpiNative.ft_mpi_error_string(rc));
        }
    }

    @Override
    public String toString() {
        return "Communicator.mpi() rank " + rank + " of " + size + " (" + MpiNative.ft_mpi_library_version() + ")";
    }

    private long begin() {
        if (!open) {
            throw new IllegalStateException(prefix() + "the communicator is closed (MPI_Finalize was called)");
        }
        return ++sequence;
    }

    private String prefix() {
        return "[FT-COMM] rank " + rank + " of " + size + ": ";
    }

    private void check(int rc, String operation, long number, String what) {
        if (rc == 0) {
            return;
        }
        String name = operation + " #" + number + (what.isEmpty() ? "" : " (" + what + ")");
        if (rc == MpiNative.FT_MPI_TIMEOUT) {
            end(prefix() + name + " did not complete within " + timeoutMs + " ms: a peer rank died, hung, or "
                    + "called a different collective. Ending the job (MPI_Abort).", ABORT_TIMEOUT);
        }
        end(prefix() + name + " failed: " + MpiNative.ft_mpi_error_string(rc) + " (code " + rc
                + "). Ending the job (MPI_Abort).", ABORT_ERROR);
    }

    /** Prints the message and ends every rank; throws only if MPI_Abort returned (it should not). */
    private void end(String message, int code) {
        System.out.flush();
        System.err.println(message);
        System.err.flush();
        MpiNative.ft_mpi_abort(code);
        throw new CommunicationException(message + " (MPI_Abort returned)");
    }
}
