package dev.fusedtrainer.runtime.dist;

import java.time.Duration;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/** One process, rank 0 of 1: every collective is the identity (reduce-scatter copies its only block). */
final class LocalCommunicator implements Communicator {
    static final LocalCommunicator INSTANCE = new LocalCommunicator();

    private LocalCommunicator() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public Duration timeout() {
        return Duration.ZERO;
    }

    @Override
    public void allReduceSum(FloatPointer buf, long n) {
        Buffers.check("allReduceSum", "buf", buf, n);
    }

    @Override
    public void reduceScatter(FloatPointer send, FloatPointer recv, long shard) {
        Buffers.check("reduceScatter", "send", send, shard);
        Buffers.check("reduceScatter", "recv", recv, shard);
        if (shard == 0) {
            return;
        }
        FloatPointer block = new FloatPointer(send);
        block.limit(block.position() + shard);
        long position = recv.position();
        recv.put(block);
        recv.position(position);
    }

    @Override
    public void reduceScatterBlocks(FloatPointer send, FloatPointer recv, long n) {
        reduceScatter(send, recv, n);  // one rank: its block is everything
    }

    @Override
    public void allGatherBlocks(FloatPointer buf, long n) {
        Buffers.check("allGatherBlocks", "buf", buf, n);
    }

    @Override
    public void allGather(FloatPointer buf, long shard) {
        Buffers.check("allGather", "buf", buf, shard);
    }

    @Override
    public void broadcast(FloatPointer buf, long n, int root) {
        Buffers.check("broadcast", "buf", buf, n);
        Buffers.checkRoot("broadcast", root, 1);
    }

    @Override
    public void broadcast(BytePointer buf, long n, int root) {
        Buffers.check("broadcast", "buf", buf, n);
        Buffers.checkRoot("broadcast", root, 1);
    }

    @Override
    public void barrier() {
    }

    @Override
    public void abort(String reason) {
        throw new CommunicationException("abort (single process): " + reason);
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "Communicator.local()";
    }
}
