package dev.fusedtrainer.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner end to end on a tiny budget: structure of its JSON and markdown, never timings. */
class RunnerSmokeTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BenchmarkRunner.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void tinyRunWritesOneJsonObjectAndOneTableRowPerConfiguration() throws Exception {
        Path json = dir.resolve("out.json");
        Path md = dir.resolve("out.md");
        int code = run("--width", "256", "--depth", "3", "--batch", "1,4", "--optimizer", "adam,sgd-momentum",
                "--threads", "1", "--quick", "--python", dir.resolve("no-such-python").toString(),
                "--memory-width", "256", "--json", json.toString(), "--markdown", md.toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

        String j = Files.readString(json);
        assertEquals(4, count(j, "\"config\": \\{"), j);
        for (String schedule : new String[] {"UNFUSED", "BACKWARD", "FORWARD"}) {
            assertEquals(4, count(j, "\"" + schedule + "\": \\{"), schedule);
        }
        assertEquals(12 + 4, count(j, "\"median_ms\": [0-9]"), "3 schedules + forward only, 4 configurations");
        assertEquals(12, count(j, "\"ratio_to_unfused\": [0-9]"), j);
        assertEquals(4, count(j, "\"ratio_to_unfused\": 1\\.00000"), "UNFUSED's ratio to itself is 1");
        assertEquals(4, count(j, "\"floor\": \\{"), j);
        assertEquals(4, count(j, "\"forward_only\": \\{"), j);
        assertEquals(4, count(j, "\"best_vs_floor\": [0-9]"), j);
        assertEquals(4, count(j, "\"triad_gbps_at_working_set\": [0-9]"), j);
        assertTrue(j.contains("\"sgemm_gflops_best\""), j);
        assertTrue(j.contains("\"triad_gbps_best\""), j);
        assertTrue(j.contains("\"available\": false"), "PyTorch is skipped when python is missing: " + j);
        assertEquals(3 * 2, count(j, "\"vmhwm_kib\": [1-9]"), "one memory probe per schedule and optimizer");
        assertEquals(j.chars().filter(c -> c == '{').count(), j.chars().filter(c -> c == '}').count());
        assertEquals(j.chars().filter(c -> c == '[').count(), j.chars().filter(c -> c == ']').count());

        String m = Files.readString(md);
        assertTrue(m.contains("| width | batch | optimizer | thr | UNFUSED ms | BACKWARD ms | ×U | FORWARD ms | ×U "
                + "| PT std ms | PT in-bwd ms | vs PT | floor ms | /floor |"), m);
        assertEquals(4, count(m, "(?m)^\\| 256 \\| [14] \\| (adam|sgd-momentum) \\| 1 \\|"), m);
        assertEquals(6, count(m, "(?m)^\\| FusedTrainer (UNFUSED|BACKWARD|FORWARD) \\|"), m);
        assertTrue(m.contains("PyTorch: skipped: "), m);
    }

    @Test
    void unsupportedCombinationListsTheModelsThatExist() {
        int code = run("--width", "512", "--batch", "1", "--optimizer", "adam", "--threads", "1", "--quick",
                "--no-torch", "--no-memory");
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, e);
        assertTrue(e.contains("no benchmark model for width 512, depth 3, optimizer adam"), e);
        for (String w : new String[] {"256", "1024", "2048"}) {
            assertTrue(e.contains("--width " + w + " --depth 3 --optimizer adam"), e);
            assertTrue(e.contains("--width " + w + " --depth 3 --optimizer sgd-momentum"), e);
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing measured");
    }

    @Test
    void unknownOptimizerIsAClearError() {
        int code = run("--optimizer", "adagrad", "--quick", "--no-torch", "--no-memory");
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown optimizer 'adagrad'; use sgd-momentum or adam"));
    }
}
