package dev.fusedtrainer.runtime.dist;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * One rank of a test job that {@link MpiJobTest} launches with {@code mpirun}. Each scenario checks its
 * results on every rank and prints {@code PASS rank r of n}, or throws (the JVM then exits non-zero and
 * mpirun ends the job). Expected values are small integers, so float sums are exact on every rank.
 */
public final class MpiTestMain {
    private MpiTestMain() {
    }

    public static void main(String[] args) throws Exception {
        Communicator comm = Communicator.mpi();
        int rank = comm.rank();
        int size = comm.size();
        switch (args[0]) {
            case "collectives" -> collectives(comm);
            case "ordered" -> ordered(comm);
            case "exit-early" -> {
                if (rank == size - 1) {
                    System.out.println("EXITING rank " + rank);
                    System.out.flush();
                    Runtime.getRuntime().halt(Integer.getInteger("exitCode", 3)); // no MPI_Finalize: a crashed rank
                }
                survivor(comm);
            }
            case "hang" -> {
                if (rank == size - 1) {
                    System.out.println("HANGING rank " + rank);
                    System.out.flush();
                    Thread.sleep(600_000);
                }
                survivor(comm);
            }
            case "nccl-unavailable" -> {
                if (ncclUnavailable(comm)) {
                    return;
                }
            }
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
        System.out.println("PASS rank " + rank + " of " + size);
        System.out.flush();
        comm.close();
    }

    /**
     * Where NCCL does not load (no libnccl.so.2): binding fails on every rank with the reason, through one
     * agreed all-reduce of the ranks' problems, and MPI still works afterwards. True (and nothing checked)
     * where NCCL loads.
     */
    private static boolean ncclUnavailable(Communicator comm) {
        String problem = dev.fusedtrainer.runtime.cuda.CudaSupport.ncclProblem();
        if (problem == null) {
            System.out.println("NCCL LOADS rank " + comm.rank());
            comm.close();
            return true;
        }
        NcclCommunicator nccl = NcclCommunicator.over(comm);
        try {
            nccl.bindDevice(4);
            throw new AssertionError("bindDevice succeeded without NCCL");
        } catch (CommunicationException e) {
            String every = comm.size() == 2 ? "ranks 0, 1" : "ranks 0, 1, 2";
            if (!e.getMessage().startsWith("NCCL cannot be used on " + every + ": " + problem)) {
                throw new AssertionError("unexpected message: " + e.getMessage());
            }
        }
        if (nccl.bound()) {
            throw new AssertionError("bound after a failed bindDevice");
        }
        try (FloatPointer one = new FloatPointer(1)) {
            one.put(0, 1);
            nccl.allReduceSum(one, 1);  // the host communicator still works
            expect(one.get(0), comm.size(), "all-reduce after the failed bind");
        }
        return false;
    }

    /** A rank whose peer is gone: its collective must end the job, never return. */
    private static void survivor(Communicator comm) {
        try (CommThread thread = new CommThread(comm); FloatPointer buf = new FloatPointer(1000)) {
            System.out.println("ENTER rank " + comm.rank() + " at " + System.currentTimeMillis());
            System.out.flush();
            thread.allReduceSum(buf, 1000).await();
            System.out.println("UNEXPECTED rank " + comm.rank() + ": the collective completed without its peer");
        }
        System.exit(5);
    }

    private static void collectives(Communicator comm) {
        int rank = comm.rank();
        int size = comm.size();
        int ranksSum = size * (size + 1) / 2;          // sum over ranks of (rank + 1)

        for (int n : new int[] {0, 1, 7, 1_000_003}) {
            try (FloatPointer buf = new FloatPointer(Math.max(n, 1))) {
                for (int i = 0; i < n; i++) {
                    buf.put(i, (rank + 1) * (i % 7 + 1));
                }
                comm.allReduceSum(buf, n);
                for (int i = 0; i < n; i++) {
                    expect(buf.get(i), ranksSum * (i % 7 + 1), "allReduceSum n=" + n + " [" + i + "]");
                }
            }
        }

        // a block in the middle of a buffer: the pointer's position is respected, the rest is untouched
        try (FloatPointer whole = new FloatPointer(12)) {
            for (int i = 0; i < 12; i++) {
                whole.put(i, rank + 1);
            }
            comm.allReduceSum(new FloatPointer(whole).position(3), 5);
            for (int i = 0; i < 12; i++) {
                expect(whole.get(i), i >= 3 && i < 8 ? ranksSum : rank + 1, "allReduceSum at position 3 [" + i + "]");
            }
        }

        // reduce-scatter of n floats that no world size of 2 or 3 divides: padded to size * ceil(n / size)
        for (int n : new int[] {11, 13, 1}) {
            long shard = Communicator.shardLength(n, size);
            try (FloatPointer send = new FloatPointer(shard * size); FloatPointer recv = new FloatPointer(shard)) {
                for (int i = 0; i < shard * size; i++) {
                    send.put(i, i < n ? rank * 100 + i : 0);
                }
                for (int j = 0; j < shard; j++) {
                    recv.put(j, -1);
                }
                comm.reduceScatter(send, recv, shard);
                int rankOffsets = 100 * size * (size - 1) / 2;
                for (int j = 0; j < shard; j++) {
                    long i = rank * shard + j;
                    expect(recv.get(j), i < n ? rankOffsets + size * i : 0, "reduceScatter n=" + n + " recv[" + j + "]");
                }
                // ... and back: all-gather of the reduced shards gives the full all-reduced vector
                try (FloatPointer gathered = new FloatPointer(shard * size)) {
                    for (int i = 0; i < shard * size; i++) {
                        gathered.put(i, Float.NaN);
                    }
                    for (int j = 0; j < shard; j++) {
                        gathered.put(rank * shard + j, recv.get(j));
                    }
                    comm.allGather(gathered, shard);
                    for (int i = 0; i < shard * size; i++) {
                        expect(gathered.get(i), i < n ? rankOffsets + size * i : 0, "allGather n=" + n + " [" + i + "]");
                    }
                }
            }
        }

        // all-gather with an odd shard, each rank's block distinct
        int shard = 5;
        try (FloatPointer buf = new FloatPointer(shard * size)) {
            for (int i = 0; i < shard * size; i++) {
                buf.put(i, i / shard == rank ? rank * 1000 + i % shard : -1);
            }
            comm.allGather(buf, shard);
            for (int i = 0; i < shard * size; i++) {
                expect(buf.get(i), (i / shard) * 1000 + i % shard, "allGather [" + i + "]");
            }
        }

        // broadcast of floats from rank 0 (identical initial weights) and from the last rank
        for (int root : new int[] {0, size - 1}) {
            int n = 100_001;
            try (FloatPointer buf = new FloatPointer(n)) {
                for (int i = 0; i < n; i++) {
                    buf.put(i, rank == root ? i * 0.5f + root : Float.NaN);
                }
                comm.broadcast(buf, n, root);
                for (int i = 0; i < n; i++) {
                    expect(buf.get(i), i * 0.5f + root, "broadcast from " + root + " [" + i + "]");
                }
            }
        }

        // broadcast of bytes from rank 0 (an id, metadata)
        byte[] message = "fused-trainer unique id \u00e9".getBytes(StandardCharsets.UTF_8);
        try (BytePointer buf = new BytePointer(message.length)) {
            if (rank == 0) {
                buf.put(message);
            } else {
                buf.fill(0);
            }
            comm.broadcast(buf, message.length, 0);
            byte[] got = new byte[message.length];
            buf.get(got);
            if (!java.util.Arrays.equals(got, message)) {
                throw new AssertionError("rank " + rank + ": broadcast bytes: got " + new String(got, StandardCharsets.UTF_8));
            }
        }

        comm.barrier();
    }

    /**
     * Sixty collectives of mixed kinds and sizes submitted at once to the comm thread, then awaited in
     * reverse order. Matching only works if every rank runs them in submission order: a swap pairs
     * collectives of different kinds or sizes and fails (or mixes up values, which the checks catch).
     */
    private static void ordered(Communicator comm) {
        int rank = comm.rank();
        int size = comm.size();
        int count = 60;
        List<Long> ranOrder = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        List<FloatPointer> buffers = new ArrayList<>();
        List<CommThread.Pending> pending = new ArrayList<>();
        try (CommThread thread = new CommThread(comm)) {
            for (int k = 0; k < count; k++) {
                int n = 1 + (k * 37) % 500;
                FloatPointer buf = new FloatPointer((long) n * size);
                buffers.add(buf);
                int kind = k % 3;
                for (int i = 0; i < n * size; i++) {
                    buf.put(i, kind == 2 ? (i / n == rank ? k * 10 + i / n : -1) : (rank + 1) * (k + 1));
                }
                int root = k % size;
                final int kk = k;
                Runnable collective = switch (kind) {
                    case 0 -> () -> comm.allReduceSum(buf, n);
                    case 1 -> () -> comm.broadcast(buf, n, root);
                    default -> () -> comm.allGather(buf, n);
                };
                pending.add(thread.submit("k=" + k, () -> {
                    ranOrder.add((long) kk + 1);
                    threads.add(Thread.currentThread().getName());
                    collective.run();
                }));
            }
            for (int k = count - 1; k >= 0; k--) {
                pending.get(k).await();
            }
            for (int k = 0; k < count; k++) {
                if (pending.get(k).sequence() != k + 1 || !pending.get(k).isDone()) {
                    throw new AssertionError("rank " + rank + ": handle " + k + " is " + pending.get(k));
                }
                int n = 1 + (k * 37) % 500;
                FloatPointer buf = buffers.get(k);
                int root = k % size;
                for (int i = 0; i < n; i++) {
                    float want = switch (k % 3) {
                        case 0 -> size * (size + 1) / 2 * (k + 1);
                        case 1 -> (root + 1) * (k + 1);
                        default -> k * 10 + i / n;
                    };
                    expect(buf.get(i), want, "ordered k=" + k + " [" + i + "]");
                }
                if (k % 3 == 2) {
                    for (int i = 0; i < n * size; i++) {
                        expect(buf.get(i), k * 10 + i / n, "ordered allGather k=" + k + " [" + i + "]");
                    }
                }
                buf.close();
            }
        }
        for (int k = 0; k < count; k++) {
            if (ranOrder.get(k) != k + 1) {
                throw new AssertionError("rank " + rank + ": collectives ran in the order " + ranOrder);
            }
            if (!threads.get(k).equals("ft-comm-rank-" + rank)) {
                throw new AssertionError("rank " + rank + ": collective ran on thread " + threads.get(k));
            }
        }
    }

    private static void expect(float got, double want, String what) {
        if (got != (float) want) {
            throw new AssertionError("rank " + Communicator.mpi().rank() + ": " + what + ": got " + got + ", want " + want);
        }
    }
}
