package dev.fusedtrainer.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.runtime.dist.MpiLauncher;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The scaling benchmark as a real 2-rank job on a tiny budget: its report's structure, never its timings. */
class ScalingSmokeTest {

    @Test
    void twoRankJobReportsEveryRowEfficiencyAndHiddenShare() throws Exception {
        String problem = MpiLauncher.whyJobsCannotRun();
        Assumptions.assumeTrue(problem == null, problem);
        List<String> program = List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"),
                ScalingBench.class.getName(), "--rounds", "2", "--round-ms", "10", "--batch", "4");
        MpiLauncher.Job job = MpiLauncher.run(MpiLauncher.loopbackCommand(MpiLauncher.findMpirun(), 2, program),
                Duration.ofSeconds(180));
        assertEquals(0, job.exitCode(), job.describe());
        String out = job.output();
        for (String row : List.of("| 1 process x 1 thread |", "| 2 ranks x 1 thread |",
                "| 2 independent processes x 1 thread", "all-reduce of the whole gradient alone")) {
            assertTrue(out.contains(row), row + " missing:\n" + out);
        }
        Matcher efficiency = Pattern.compile("scaling efficiency: ([0-9.]+)%").matcher(out);
        assertTrue(efficiency.find(), out);
        double value = Double.parseDouble(efficiency.group(1));
        assertTrue(value > 0 && value < 1000, "efficiency " + value);
        Matcher hidden = Pattern.compile("rank (\\d): ([0-9.]+) collectives").matcher(out);
        int ranks = 0;
        while (hidden.find()) {
            ranks++;
            assertTrue(Double.parseDouble(hidden.group(2)) >= 3, "a step reduces buckets, batch sizes and loss: " + out);
        }
        assertEquals(2, ranks, out);
    }
}
