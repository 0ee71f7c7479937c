package dev.fusedtrainer.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/** The single-process communicator: rank 0 of 1, every collective the identity, arguments checked. */
class LocalCommunicatorTest {
    private final Communicator comm = Communicator.local();

    @Test
    void isRankZeroOfOneWithoutDeadline() {
        assertEquals(0, comm.rank());
        assertEquals(1, comm.size());
        assertEquals(Duration.ZERO, comm.timeout());
        assertSame(comm, Communicator.local());
    }

    @Test
    void allReduceGatherBroadcastAndBarrierLeaveValuesAsTheyAre() {
        try (FloatPointer buf = filled(9, 1.5f); BytePointer bytes = new BytePointer("id")) {
            comm.allReduceSum(buf, 9);
            comm.allGather(buf, 9);
            comm.broadcast(buf, 9, 0);
            comm.broadcast(bytes, 2, 0);
            comm.barrier();
            for (int i = 0; i < 9; i++) {
                assertEquals(1.5f + i, buf.get(i));
            }
            assertEquals("id", bytes.getString());
        }
    }

    @Test
    void reduceScatterCopiesTheOnlyBlockRespectingPositions() {
        try (FloatPointer send = filled(10, 0f); FloatPointer recv = filled(8, 100f)) {
            comm.reduceScatter(new FloatPointer(send).position(2), new FloatPointer(recv).position(3), 4);
            float[] want = {100, 101, 102, 2, 3, 4, 5, 107};
            for (int i = 0; i < 8; i++) {
                assertEquals(want[i], recv.get(i), "recv[" + i + "]");
            }
        }
    }

    @Test
    void reduceScatterOfZeroFloatsChangesNothing() {
        try (FloatPointer send = filled(3, 0f); FloatPointer recv = filled(3, 7f)) {
            comm.reduceScatter(send, recv, 0);
            assertEquals(7f, recv.get(0));
        }
    }

    @Test
    void shardLengthRoundsUpSoThatPaddingCoversTheRest() {
        assertEquals(4, Communicator.shardLength(10, 3));
        assertEquals(3, Communicator.shardLength(9, 3));
        assertEquals(1, Communicator.shardLength(1, 3));
        assertEquals(0, Communicator.shardLength(0, 2));
        assertEquals(10, Communicator.shardLength(10, 1));
        assertThrows(IllegalArgumentException.class, () -> Communicator.shardLength(5, 0));
        assertThrows(IllegalArgumentException.class, () -> Communicator.shardLength(-1, 2));
    }

    @Test
    void rejectsBuffersTooShortNegativeLengthsNullAndRootsThatAreNotRanks() {
        try (FloatPointer buf = new FloatPointer(4)) {
            IllegalArgumentException shortBuffer = assertThrows(IllegalArgumentException.class,
                    () -> comm.allReduceSum(new FloatPointer(buf).position(1), 4));
            assertTrue(shortBuffer.getMessage().contains("holds 3 elements"), shortBuffer.getMessage());
            assertThrows(IllegalArgumentException.class, () -> comm.allReduceSum(buf, -1));
            assertThrows(IllegalArgumentException.class, () -> comm.allReduceSum(null, 1));
            IllegalArgumentException root = assertThrows(IllegalArgumentException.class, () -> comm.broadcast(buf, 4, 1));
            assertTrue(root.getMessage().contains("root 1 is not a rank"), root.getMessage());
        }
    }

    @Test
    void abortThrowsWithTheReason() {
        CommunicationException e = assertThrows(CommunicationException.class, () -> comm.abort("checkpoint write failed"));
        assertTrue(e.getMessage().contains("checkpoint write failed"), e.getMessage());
    }

    @Test
    void defaultTimeoutReadsThePropertyAndRejectsNonsense() {
        String before = System.getProperty(Communicator.TIMEOUT_PROPERTY);
        try {
            System.setProperty(Communicator.TIMEOUT_PROPERTY, "2500");
            assertEquals(Duration.ofMillis(2500), Communicator.defaultTimeout());
            System.setProperty(Communicator.TIMEOUT_PROPERTY, "soon");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Communicator::defaultTimeout);
            assertTrue(e.getMessage().contains(Communicator.TIMEOUT_PROPERTY + "=soon"), e.getMessage());
            System.setProperty(Communicator.TIMEOUT_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, Communicator::defaultTimeout);
        } finally {
            if (before == null) {
                System.clearProperty(Communicator.TIMEOUT_PROPERTY);
            } else {
                System.setProperty(Communicator.TIMEOUT_PROPERTY, before);
            }
        }
    }

    private static FloatPointer filled(int n, float first) {
        FloatPointer p = new FloatPointer(n);
        for (int i = 0; i < n; i++) {
            p.put(i, first + i);
        }
        return p;
    }
}
