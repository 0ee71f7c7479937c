package dev.fusedtrainer.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Outside mpirun (this test JVM), {@link Communicator#mpi()} must refuse with words a user can act on:
 * what to install when the binding or Open MPI is missing, how to launch when they are there.
 */
class MpiAvailabilityTest {

    @Test
    void mpiOutsideMpirunSaysWhatToInstallOrHowToLaunch() {
        Assumptions.assumeTrue(System.getenv("OMPI_COMM_WORLD_SIZE") == null && System.getenv("PMIX_RANK") == null
                && System.getenv("PMI_RANK") == null, "this test JVM was itself launched by mpirun");
        IllegalStateException e = assertThrows(IllegalStateException.class, Communicator::mpi);
        String message = e.getMessage();
        assertTrue(message.startsWith("Communicator.mpi() is not available: "), message);
        assertTrue(message.contains("apt-get install openmpi-bin") || message.contains("not launched by mpirun"), message);
        if (message.contains("not launched by mpirun")) {
            assertTrue(message.contains("mpirun -np 2") && message.contains("OMPI_ALLOW_RUN_AS_ROOT=1"), message);
        }
    }

    @Test
    void unavailableReasonAgreesWithMpi() {
        String reason = MpiCommunicator.unavailableReason();
        Assumptions.assumeTrue(reason != null, "this test JVM can use MPI");
        IllegalStateException e = assertThrows(IllegalStateException.class, Communicator::mpi);
        assertTrue(e.getMessage().endsWith(reason), e.getMessage());
    }
}
