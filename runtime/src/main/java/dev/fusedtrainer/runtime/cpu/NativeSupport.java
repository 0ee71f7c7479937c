package dev.fusedtrainer.runtime.cpu;

/** Loads the native CPU kernels once, with a clear error where they cannot run. */
public final class NativeSupport {
    private static volatile boolean loaded;

    private NativeSupport() {
    }

    public static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (NativeSupport.class) {
            if (loaded) {
                return;
            }
            if (!cpuHasAvx2AndFma()) {
                throw new UnsupportedOperationException("FusedTrainer's CPU kernels are built for x86-64 with "
                        + "AVX2 and FMA (x86-64-v3); this CPU (" + System.getProperty("os.arch") + ") lacks them");
            }
            try {
                org.bytedeco.javacpp.Loader.load(CpuKernels.class);
            } catch (UnsatisfiedLinkError e) {
                throw new UnsupportedOperationException("could not load FusedTrainer's native CPU kernels for "
                        + org.bytedeco.javacpp.Loader.getPlatform() + ": " + e.getMessage(), e);
            }
            loaded = true;
        }
    }

    // Read before loading: the library itself is compiled for AVX2 and must not run elsewhere.
    private static boolean cpuHasAvx2AndFma() {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return false;
        }
        try {
            String info = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
            return info.contains(" avx2") && info.contains(" fma");
        } catch (java.io.IOException | RuntimeException e) {
            return true;  // no /proc/cpuinfo: let the loader decide
        }
    }
}
