package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.runtime.data.FashionMnist;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes sure the Fashion-MNIST files are there before training: installs Debian's package where
 * that is possible (root on Debian, default directory) and otherwise says exactly what to do.
 */
final class DataSetup {
    static final String SOURCE = "https://github.com/zalandoresearch/fashion-mnist/tree/master/data/fashion";

    /** Thrown with instructions for the user when the data cannot be made ready. */
    static final class DataMissing extends Exception {
        DataMissing(String message) {
            super(message);
        }
    }

    private DataSetup() {
    }

    static void ensure(Path dir, PrintStream log) throws DataMissing {
        List<String> missing = FashionMnist.missingFiles(dir);
        if (missing.isEmpty()) {
            return;
        }
        boolean defaultDir = dir.toAbsolutePath().normalize().equals(FashionMnist.DEBIAN_DIR);
        boolean debian = Files.exists(Path.of("/etc/debian_version")) && onPath("apt-get");
        if (defaultDir && debian && isRoot()) {
            log.println("Fashion-MNIST is not in " + dir + "; installing the Debian package "
                    + FashionMnist.DEBIAN_PACKAGE + " ...");
            if (run(log, "apt-get", "install", "-y", "-q", FashionMnist.DEBIAN_PACKAGE) != 0) {
                run(log, "apt-get", "update", "-q");
                run(log, "apt-get", "install", "-y", "-q", FashionMnist.DEBIAN_PACKAGE);
            }
            missing = FashionMnist.missingFiles(dir);
            if (missing.isEmpty()) {
                return;
            }
        }
        StringBuilder help = new StringBuilder("Fashion-MNIST files missing in ").append(dir).append(": ")
                .append(String.join(", ", missing)).append('\n');
        if (defaultDir && debian) {
            help.append("Install them with:\n    sudo apt-get update && sudo apt-get install -y ")
                    .append(FashionMnist.DEBIAN_PACKAGE).append('\n')
                    .append("or download the four .gz files from ").append(SOURCE)
                    .append(" into a directory and pass --data DIR");
        } else {
            help.append("Download the four .gz files (").append(String.join(", ", FashionMnist.FILES))
                    .append(", each + .gz) from ").append(SOURCE).append(" into ").append(dir)
                    .append(defaultDir ? " (or into any directory, and pass --data DIR)" : "");
        }
        throw new DataMissing(help.toString());
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static int run(PrintStream log, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            process.getInputStream().transferTo(log);
            return process.waitFor();
        } catch (IOException e) {
            log.println("could not run " + String.join(" ", command) + ": " + e.getMessage());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
