package dev.fusedtrainer.runtime.dist;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of Open MPI's C API through {@code runtime/src/main/native/fusedtrainer/mpi_api.h}.
 * Its native library ({@code libjniMpiNative.so}, linked with {@code -lmpi}) is built only where
 * {@code mpi.h} exists (Maven profile {@code mpi}) and is loaded only by {@link MpiCommunicator}: use
 * {@link Communicator#mpi()}, never this class first. Thin by design: every collective takes a
 * timeout in milliseconds (0 = none) and returns 0, an MPI error code (&gt; 0) or one of the
 * {@code FT_MPI_*} codes below; {@link #ft_mpi_error_string} puts any of them in words.
 */
@Platform(include = "fusedtrainer/mpi_api.h")
public final class MpiNative {
    static {
        Loader.load();
    }

    /** The collective did not complete before its deadline; the job must be ended. */
    public static final int FT_MPI_TIMEOUT = -1;
    /** A per-rank count exceeds MPI's int range. */
    public static final int FT_MPI_TOO_LARGE = -2;
    /** MPI is not initialised, or already finalised. */
    public static final int FT_MPI_NOT_INITIALIZED = -3;
    /** libmpi could not be loaded with global symbols. */
    public static final int FT_MPI_NO_LIBRARY = -4;
    /** MPI provides less than the requested thread level. */
    public static final int FT_MPI_THREAD_LEVEL = -5;

    private MpiNative() {
    }

    public static native int ft_mpi_init(int requiredThreadLevel);

    public static native int ft_mpi_thread_level();

    public static native int ft_mpi_thread_serialized();

    public static native int ft_mpi_rank();

    public static native int ft_mpi_size();

    /** buf[n] := element-wise sum over ranks, in place. */
    public static native int ft_mpi_allreduce_sum(FloatPointer buf, long n, int timeoutMs);

    /** send[size * shard] → recv[shard] on rank r := sum over ranks of block r; no overlap. */
    public static native int ft_mpi_reduce_scatter_sum(@Cast("const float*") FloatPointer send, FloatPointer recv,
                                                       long shard, int timeoutMs);

    /** buf[size * shard]: each rank's block at rank * shard is sent to every rank, in place. */
    public static native int ft_mpi_allgather(FloatPointer buf, long shard, int timeoutMs);

    /** Reduce-scatter of n floats in uneven blocks ({@link Communicator#blockStart}); send and recv disjoint. */
    public static native int ft_mpi_reduce_scatter_blocks(@Cast("const float*") FloatPointer send, FloatPointer recv,
            long n, int timeoutMs);

    /** In-place all-gather of n floats in uneven blocks ({@link Communicator#blockStart}). */
    public static native int ft_mpi_allgather_blocks(FloatPointer buf, long n, int timeoutMs);

    public static native int ft_mpi_bcast_floats(FloatPointer buf, long n, int root, int timeoutMs);

    public static native int ft_mpi_bcast_bytes(BytePointer buf, long n, int root, int timeoutMs);

    public static native int ft_mpi_barrier(int timeoutMs);

    public static native void ft_mpi_abort(int code);

    public static native int ft_mpi_finalize();

    public static native @Cast("const char*") String ft_mpi_error_string(int code);

    public static native @Cast("const char*") String ft_mpi_library_version();
}
