package dev.fusedtrainer.benchmarks;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PyTorch peer ({@code benchmarks/peer/torch_step.py}) kept running as one child process for
 * the whole run. For each configuration the runner asks it to build and warm up its models, then
 * gives it one slot in each of its own rotating rounds, so PyTorch sees the same drift as the
 * FusedTrainer schedules.
 */
final class TorchPeer implements AutoCloseable {

    /** Median and range of one PyTorch variant, in ms. */
    record Timing(double medianMs, double minMs, double maxMs) {
    }

    record Result(Timing standard, Timing inBackward, String error) {
    }

    private final Process process;
    private final BufferedReader out;
    private final BufferedWriter in;
    final String version;

    private TorchPeer(Process process, BufferedReader out, BufferedWriter in, String version) {
        this.process = process;
        this.out = out;
        this.in = in;
        this.version = version;
    }

    /** Starts the peer, or returns null and sets {@code whyNot[0]} where PyTorch cannot run. */
    static TorchPeer start(String python, Path script, String[] whyNot) {
        if (!Files.isRegularFile(script)) {
            whyNot[0] = "peer script not found at " + script;
            return null;
        }
        try {
            Process probe = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            String text = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!probe.waitFor(120, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
                whyNot[0] = python + " cannot import torch (" + last + "); install it with "
                        + "`apt-get install -y python3-torch libopenblas0-pthread`";
                return null;
            }
            Process p = new ProcessBuilder(python, script.toString(), "--serve")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            BufferedWriter in = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            if (ready == null || !ready.contains("\"ready\"")) {
                p.destroy();
                whyNot[0] = "the PyTorch peer did not start (got " + ready + ")";
                return null;
            }
            return new TorchPeer(p, out, in, string(ready, "torch"));
        } catch (IOException e) {
            whyNot[0] = "could not run " + python + ": " + e.getMessage();
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            whyNot[0] = "interrupted";
            return null;
        }
    }

    /** Builds the PyTorch models of a configuration and warms them up; returns the slower variant's step estimate (ms). */
    double setup(StepBench.Config c, double warmupMs) throws IOException {
        String reply = request(String.format(Locale.ROOT,
                "{\"cmd\": \"setup\", \"width\": %d, \"depth\": %d, \"batch\": %d, \"optimizer\": \"%s\", "
                        + "\"threads\": %d, \"warmup_ms\": %f}", c.width(), c.depth(), c.batch(), c.optimizer().cliName,
                c.threads(), warmupMs));
        check(reply);
        return number(reply, "estimate_ms");
    }

    /** One round: k steps of each variant; per-step ms of {standard, in_backward}. */
    double[] round(int k) throws IOException {
        String reply = request("{\"cmd\": \"round\", \"k\": " + k + "}");
        check(reply);
        return new double[] {number(reply, "standard"), number(reply, "in_backward")};
    }

    void done() throws IOException {
        check(request("{\"cmd\": \"done\"}"));
    }

    private static void check(String reply) throws IOException {
        if (reply.contains("\"error\"")) {
            throw new IOException("PyTorch peer: " + string(reply, "error"));
        }
    }

    /** The peer's own check that optimizer-in-backward reproduces the standard loop; the raw JSON reply. */
    String verify(int width, int depth, int batch, String optimizer, int threads) throws IOException {
        return request(String.format(Locale.ROOT,
                "{\"verify\": true, \"width\": %d, \"depth\": %d, \"batch\": %d, \"optimizer\": \"%s\", "
                        + "\"threads\": %d, \"steps\": 5}", width, depth, batch, optimizer, threads));
    }

    private String request(String json) throws IOException {
        in.write(json);
        in.write('\n');
        in.flush();
        String reply = out.readLine();
        if (reply == null) {
            throw new IOException("the PyTorch peer exited");
        }
        return reply;
    }

    private static Timing timing(String json, String variant) {
        int at = json.indexOf("\"" + variant + "\"");
        String part = json.substring(at, json.indexOf('}', at));
        return new Timing(number(part, "median_ms"), number(part, "min_ms"), number(part, "max_ms"));
    }

    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*(-?[0-9.eE+-]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (IOException | InterruptedException e) {
            process.destroy();
        }
    }
}
