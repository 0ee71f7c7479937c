package dev.fusedtrainer.runtime.dist;

import java.time.Duration;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * The collectives data-parallel training needs, over host memory ({@code float} buffers in native
 * memory, as the trainers keep their parameters and gradients). Every rank calls the same collectives
 * in the same order with the same sizes; a call returns when this rank's part is complete.
 *
 * <p>Reductions SUM: nothing is averaged here, so that the trainer can fold {@code 1 / size()} into the
 * scale it already applies to the gradient. Buffers are in place where MPI allows it, so a gradient or
 * parameter block is reduced where it lives. Positions of the pointers are respected.
 *
 * <p>Three implementations: {@link #local()} (one process, the identity, needs nothing installed),
 * {@link #mpi()} (Open MPI, one process per rank launched by {@code mpirun}) and {@link #nccl()} (one
 * process per GPU: NCCL for device memory, MPI for the rest). A collective that does
 * not complete within {@link #timeout()} ends the whole job with a message that names it (see
 * {@link MpiCommunicator}). Calls may come from several threads; they are serialised. To overlap
 * communication with computation, submit collectives to a {@link CommThread}.
 */
public interface Communicator extends AutoCloseable {

    /** System property (milliseconds) that sets the deadline of every MPI collective. */
    String TIMEOUT_PROPERTY = "fusedtrainer.comm.timeoutMs";
    /** Environment variable (milliseconds), used when the system property is not set. */
    String TIMEOUT_ENV = "FT_COMM_TIMEOUT_MS";
    /** The deadline of every MPI collective when neither the property nor the variable is set. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** This process's rank, 0 to {@code size() - 1}. */
    int rank();

    /** The number of ranks in the job. */
    int size();

    /** How long one collective may take before the job is ended; {@link Duration#ZERO}: no deadline (local). */
    Duration timeout();

    /** {@code buf[0..n)} := the element-wise SUM of every rank's {@code buf[0..n)} (not averaged), in place. */
    void allReduceSum(FloatPointer buf, long n);

    /**
     * Reduce-scatter (ZeRO-1's gradient step): {@code send[size * shard]} holds one block of {@code shard}
     * floats per rank; afterwards {@code recv[0..shard)} on rank r holds the SUM over ranks of block r.
     * {@code send} and {@code recv} must not overlap. A length n that {@code size()} does not divide is
     * padded with zeros to {@code size() * shardLength(n, size())}; see {@link #shardLength}.
     */
    void reduceScatter(FloatPointer send, FloatPointer recv, long shard);

    /**
     * All-gather in place (ZeRO-1's weight step): {@code buf[size * shard]}, rank r holds its block at
     * {@code buf[r * shard ..)}; afterwards every rank holds every block.
     */
    void allGather(FloatPointer buf, long shard);

    /**
     * Reduce-scatter in uneven blocks, without padding (ZeRO-1 over buckets of any length): {@code send[0..n)}
     * is split as block r = {@code [blockStart(n, size, r), blockStart(n, size, r + 1))}; afterwards
     * {@code recv[0..blockLength(n, size, rank))} holds the SUM over ranks of this rank's block. {@code send}
     * and {@code recv} must not overlap.
     */
    default void reduceScatterBlocks(FloatPointer send, FloatPointer recv, long n) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no reduceScatterBlocks");
    }

    /**
     * All-gather in uneven blocks, in place: rank r holds its block (see {@link #reduceScatterBlocks}) of
     * {@code buf[0..n)}; afterwards every rank holds all n floats.
     */
    default void allGatherBlocks(FloatPointer buf, long n) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no allGatherBlocks");
    }

    /** Where rank r's block of n floats starts: {@code min(n, r * ceil(n / size))}; r = size gives n. */
    static long blockStart(long n, int size, int rank) {
        if (rank < 0 || rank > size) {
            throw new IllegalArgumentException("blockStart: rank " + rank + " is outside [0, " + size + "]");
        }
        return Math.min(n, rank * shardLength(n, size));
    }

    /** The length of rank r's block of n floats (0 for the last ranks when n is small). */
    static long blockLength(long n, int size, int rank) {
        return blockStart(n, size, rank + 1) - blockStart(n, size, rank);
    }

    /** {@code buf[0..n)} on every rank := {@code buf[0..n)} of rank {@code root}. */
    void broadcast(FloatPointer buf, long n, int root);

    /** {@code buf[0..n)} bytes on every rank := those of rank {@code root} (ids, metadata). */
    void broadcast(BytePointer buf, long n, int root);

    /**
     * Rank {@code root}'s {@code bytes} on every rank (other ranks pass null: the length travels first).
     * Root passing null sends "nothing": every rank then gets null, so a failure at the root (a file it
     * could not read) reaches the others as a value instead of a hang.
     */
    default byte[] broadcastBytes(byte[] bytes, int root) {
        try (BytePointer length = new BytePointer(Long.BYTES)) {
            length.putLong(rank() == root ? (bytes == null ? -1 : bytes.length) : 0);
            broadcast(length, Long.BYTES, root);
            long n = length.getLong();
            if (n < 0) {
                return null;
            }
            try (BytePointer buf = new BytePointer(Math.max(1, n))) {
                if (rank() == root) {
                    buf.put(bytes, 0, bytes.length);
                }
                broadcast(buf, n, root);
                byte[] out = new byte[Math.toIntExact(n)];
                buf.get(out, 0, out.length);
                return out;
            }
        }
    }

    /** Returns when every rank has entered the barrier. */
    void barrier();

    /**
     * Ends every rank of the job after printing {@code reason} (MPI_Abort); does not return. The local
     * communicator, having no other rank, throws a {@link CommunicationException} with the reason.
     */
    void abort(String reason);

    /** Ends this rank's part in the job (MPI_Finalize); no collective may follow. Idempotent. */
    @Override
    void close();

    /** Floats per rank when n floats are split over {@code size} ranks: {@code ceil(n / size)}. */
    static long shardLength(long n, int size) {
        if (n < 0 || size < 1) {
            throw new IllegalArgumentException("shardLength(" + n + ", " + size + "): n must be >= 0 and size >= 1");
        }
        return (n + size - 1) / size;
    }

    /** One process: rank 0 of 1, every collective is the identity. Needs nothing installed. */
    static Communicator local() {
        return LocalCommunicator.INSTANCE;
    }

    /**
     * The MPI world (initialised on the first call, with {@link #defaultTimeout()}); the process must have
     * been launched by {@code mpirun}. Throws {@link IllegalStateException} that says what to install or
     * how to launch where that is not so.
     */
    static Communicator mpi() {
        return MpiCommunicator.world(defaultTimeout());
    }

    /** As {@link #mpi()}, with the deadline of every collective given here (only the first call sets it). */
    static Communicator mpi(Duration timeout) {
        return MpiCommunicator.world(timeout);
    }

    /**
     * GPU data-parallel training, one process per GPU launched by {@code mpirun}: NCCL reduces device memory,
     * the MPI world carries the host-side collectives and NCCL's unique id (see {@link NcclCommunicator}).
     * The trainer binds NCCL to its device; pick the device from {@link NcclCommunicator#localRank()}.
     */
    static Communicator nccl() {
        return NcclCommunicator.world(defaultTimeout());
    }

    /** {@value #TIMEOUT_PROPERTY}, else {@value #TIMEOUT_ENV}, else {@link #DEFAULT_TIMEOUT}. */
    static Duration defaultTimeout() {
        String text = System.getProperty(TIMEOUT_PROPERTY);
        String source = TIMEOUT_PROPERTY;
        if (text == null) {
            text = System.getenv(TIMEOUT_ENV);
            source = TIMEOUT_ENV;
        }
        if (text == null || text.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            long ms = Long.parseLong(text.trim());
            if (ms > 0) {
                return Duration.ofMillis(ms);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(source + "=" + text + ": expected a positive number of milliseconds");
    }
}
