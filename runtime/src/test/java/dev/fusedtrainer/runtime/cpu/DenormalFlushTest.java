package dev.fusedtrainer.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CPU kernels flush subnormal floats to zero (native/denormals.h), and only inside the kernels: the
 * calling Java thread gets its own floating-point mode back, so Java arithmetic keeps IEEE subnormals.
 */
class DenormalFlushTest {
    /** A subnormal float made at run time (a constant would be folded by javac). */
    private static float subnormal() {
        return Float.parseFloat("3e-39");
    }

    @AfterEach
    void backToTheDefault() {
        new CpuBackend(1);  // sets the mode from the system property: flushing, by default
    }

    @Test
    void kernelsFlushSubnormalsByDefaultAndKeepThemWhenAsked() {
        new CpuBackend(1);
        assertEquals(1, CpuKernels.ft_flush_denormals());
        try (FloatPointer x = new FloatPointer(subnormal(), 1f, Float.MIN_NORMAL)) {
            CpuKernels.ft_scale(x, 3, 1f, 1);
            assertEquals(0f, x.get(0), "a subnormal is read as zero (DAZ)");
            assertEquals(1f, x.get(1));
            assertEquals(Float.MIN_NORMAL, x.get(2), "the smallest normal float is kept");
            x.put(0, Float.MIN_NORMAL);
            CpuKernels.ft_scale(x, 1, 0.5f, 1);
            assertEquals(0f, x.get(0), "a subnormal result is written as zero (FTZ)");
        }
        CpuKernels.ft_set_flush_denormals(0);
        try (FloatPointer x = new FloatPointer(subnormal(), Float.MIN_NORMAL)) {
            CpuKernels.ft_scale(x, 2, 1f, 1);
            assertEquals(subnormal(), x.get(0), "IEEE subnormals when flushing is off");
            CpuKernels.ft_scale(x, 2, 0.5f, 1);
            assertEquals(Float.MIN_NORMAL / 2, x.get(1));
        }
    }

    @Test
    void javaArithmeticKeepsSubnormalsAfterAKernelCall() {
        new CpuBackend(1);
        try (FloatPointer x = new FloatPointer(1f, 2f)) {
            CpuKernels.ft_scale(x, 2, 0.5f, 1);
        }
        float tiny = subnormal();
        assertTrue(tiny != 0f && tiny * 0.5f != 0f, "Java flushed a subnormal after a kernel call: " + tiny * 0.5f);
        assertEquals(1.5e-39f, tiny * 0.5f, 1e-45f);
    }

    @Test
    void theSwitchIsCheckedWhenTheBackendStarts() {
        String before = System.getProperty(CpuBackend.FLUSH_DENORMALS_PROPERTY);
        try {
            System.setProperty(CpuBackend.FLUSH_DENORMALS_PROPERTY, "off");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend(1));
            assertTrue(e.getMessage().contains("expected true or false"), e.getMessage());
            System.setProperty(CpuBackend.FLUSH_DENORMALS_PROPERTY, "false");
            new CpuBackend(1);
            assertEquals(0, CpuKernels.ft_flush_denormals());
        } finally {
            if (before == null) {
                System.clearProperty(CpuBackend.FLUSH_DENORMALS_PROPERTY);
            } else {
                System.setProperty(CpuBackend.FLUSH_DENORMALS_PROPERTY, before);
            }
        }
    }
}
