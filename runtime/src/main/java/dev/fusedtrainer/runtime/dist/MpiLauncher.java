package dev.fusedtrainer.runtime.dist;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code mpirun} jobs on this machine's loopback as child processes with a hard time limit: what
 * the MPI tests and the scaling benchmark need. The command line is the one docs/distributed.md gives:
 * {@code --oversubscribe} (more ranks than cores is fine), {@code --bind-to none} (no pinning of each JVM
 * to one core), TCP over {@code lo}; as root Open MPI also needs the two OMPI_ALLOW_RUN_AS_ROOT variables.
 */
public final class MpiLauncher {
    private MpiLauncher() {
    }

    /** A finished (or killed) job. */
    public record Job(String command, int exitCode, String output, long endedAtMillis, boolean killed) {
        public String describe() {
            return "command: " + command + "\nexit code: " + exitCode + (killed ? " (killed at the time limit)" : "")
                    + "\noutput:\n" + output;
        }
    }

    /** mpirun on the PATH, or null. */
    public static Path findMpirun() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mpirun");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Why this machine cannot run MPI jobs (what to install), or null when it can: for tests to skip on. */
    public static String whyJobsCannotRun() {
        if (findMpirun() == null) {
            return "mpirun is not on the PATH: install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)";
        }
        return MpiCommunicator.bindingProblem();
    }

    /**
     * {@code mpirun -np ranks <loopback options> env <this JVM's java> jvmAndProgram...}. Through {@code env}
     * because mpirun rewrites the options of a program named java, for Open MPI's own Java bindings: it
     * takes the first option containing "cp" for the class path (-Dorg.bytedeco.javacpp... included).
     */
    public static List<String> loopbackCommand(Path mpirun, int ranks, List<String> jvmAndProgram) {
        List<String> command = new ArrayList<>(List.of(mpirun.toString(), "-np", Integer.toString(ranks),
                "--oversubscribe", "--bind-to", "none",
                "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
                "env", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmAndProgram);
        return command;
    }

    /** Runs the command; kills it and everything it started when {@code limit} passes. */
    public static Job run(List<String> command, Duration limit) throws IOException, InterruptedException {
        Path log = Files.createTempFile("mpi-job-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        builder.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        builder.environment().remove(Communicator.TIMEOUT_ENV);
        Process process = builder.start();
        try {
            boolean killed = !process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (killed) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            long ended = System.currentTimeMillis();
            return new Job(String.join(" ", command), killed ? -1 : process.exitValue(),
                    Files.readString(log, StandardCharsets.UTF_8), ended, killed);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            Files.deleteIfExists(log);
        }
    }
}
