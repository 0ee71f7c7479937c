package dev.fusedtrainer.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.fusedtrainer.runtime.cuda.CudaSupport;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/** The NCCL communicator where no GPU or NCCL is present: its refusals, and the host side it delegates to. */
class NcclCommunicatorTest {

    @Test
    void needsAHostCommunicatorThatIsNotItself() {
        assertThrows(IllegalArgumentException.class, () -> NcclCommunicator.over(null));
        NcclCommunicator nccl = NcclCommunicator.over(Communicator.local());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> NcclCommunicator.over(nccl));
        assertTrue(twice.getMessage().contains("needs a host communicator"), twice.getMessage());
    }

    @Test
    void hostCollectivesGoToTheHostCommunicator() {
        try (NcclCommunicator nccl = NcclCommunicator.over(Communicator.local());
             FloatPointer buf = new FloatPointer(3)) {
            assertEquals(0, nccl.rank());
            assertEquals(1, nccl.size());
            buf.put(new float[] {1, 2, 3});
            nccl.allReduceSum(buf, 3);
            assertEquals(2f, buf.get(1));
            byte[] bytes = nccl.broadcastBytes(new byte[] {7, 8}, 0);
            assertEquals(8, bytes[1]);
            assertFalse(nccl.bound());
        }
    }

    @Test
    void deviceCollectivesBeforeBindingSayWhatIsMissing() {
        NcclCommunicator nccl = NcclCommunicator.over(Communicator.local());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> nccl.awaitDevice(0));
        assertTrue(e.getMessage().startsWith("NCCL is not bound to a device yet"), e.getMessage());
    }

    /** CI: the CUDA kernels exist (or not), NCCL does not: binding fails with the loader's reason, not a crash. */
    @Test
    void bindingWithoutNcclFailsWithTheReasonAndLeavesItUnbound() {
        String problem = CudaSupport.ncclProblem();
        assumeFalse(problem == null, "NCCL loads here");
        try (NcclCommunicator nccl = NcclCommunicator.over(Communicator.local())) {
            CommunicationException e = assertThrows(CommunicationException.class, () -> nccl.bindDevice(2));
            assertEquals("NCCL cannot be used on rank 0: " + problem, e.getMessage());
            assertFalse(nccl.bound());
            // a second communicator may try again: the failed one did not claim the process's NCCL slot
            try (NcclCommunicator again = NcclCommunicator.over(Communicator.local())) {
                assertThrows(CommunicationException.class, () -> again.bindDevice(2));
            }
        }
    }
}
