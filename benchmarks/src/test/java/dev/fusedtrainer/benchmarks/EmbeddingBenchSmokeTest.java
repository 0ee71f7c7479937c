package dev.fusedtrainer.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The embedding benchmark on a tiny budget: its report's structure, never its timings. */
class EmbeddingBenchSmokeTest {

    @Test
    void reportsBothVocabulariesUnderEverySchedule() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new CommandLine(new EmbeddingBench()).execute("--batch", "2", "--rounds", "2", "--steps", "2");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, out);
        for (String vocabulary : new String[] {"10k", "1M"}) {
            for (String schedule : new String[] {"UNFUSED", "BACKWARD", "FORWARD"}) {
                Matcher row = Pattern.compile("\\| " + vocabulary + " \\| " + schedule + " \\| ([0-9.]+) \\|.*\\| ([0-9.]+) \\|")
                        .matcher(out);
                assertTrue(row.find(), vocabulary + " " + schedule + " row missing:\n" + out);
                assertTrue(Double.parseDouble(row.group(1)) > 0, out);
                if (vocabulary.equals("10k")) {
                    assertEquals(1.0, Double.parseDouble(row.group(2)), 1e-9, out);
                }
            }
        }
    }
}
