package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.GradientModels_SoftmaxCrossEntropyTrainer;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.DeviceTrainers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Where no GPU is usable (CI, and every machine without an NVIDIA driver), asking for one is an
 * exception that says why, never a crash, and the CPU keeps working in the same JVM.
 */
class CudaUnavailableTest {

    @Test
    void askingForAGpuWithoutOneIsAClearExceptionAndTheCpuStillWorks() {
        String why = DeviceTrainers.whyNoGpu();
        assumeTrue(why != null, "a usable CUDA device is present: CudaAgreementTest covers it");
        for (int attempt = 0; attempt < 2; attempt++) {  // the second probe answers from what the first found
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> DeviceTrainers.build(GradientModels_SoftmaxCrossEntropyTrainer.class, Device.cuda(0),
                            Schedule.BACKWARD, 8, 1));
            String message = e.getMessage();
            assertTrue(message.startsWith("device cuda:0 is not usable: "), message);
            assertTrue(message.contains("this build has no CUDA kernels: build with a CUDA toolkit")
                    || message.contains("cudaGetDeviceCount returned")
                    || message.contains("cuBLAS could not be loaded"), message);
            assertEquals(why, message.substring("device cuda:0 is not usable: ".length()));
        }
        try (Trainer cpu = DeviceTrainers.build(GradientModels_SoftmaxCrossEntropyTrainer.class, Device.cpu(),
                Schedule.BACKWARD, 8, 1)) {
            SplittableRandom random = new SplittableRandom(5);
            float loss = cpu.step(Data.uniform(random, 8 * 13, 1), Data.labels(random, 8, 7));
            assertTrue(Float.isFinite(loss) && loss > 0, "CPU step after the failed GPU request: " + loss);
        }
    }
}
