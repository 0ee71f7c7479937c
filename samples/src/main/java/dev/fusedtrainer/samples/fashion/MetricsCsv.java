package dev.fusedtrainer.samples.fashion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code metrics.csv}: one row per finished epoch, next to the checkpoint. */
final class MetricsCsv {
    static final String HEADER = "epoch,step,train_loss,test_loss,test_accuracy,epoch_seconds,samples_per_second";

    record Row(int epoch, long step, double trainLoss, double testLoss, double testAccuracy, double epochSeconds,
               double samplesPerSecond) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.3f,%.1f", epoch, step, trainLoss, testLoss,
                    testAccuracy, epochSeconds, samplesPerSecond);
        }

        static Row parse(String line) {
            String[] f = line.split(",");
            return new Row(Integer.parseInt(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]));
        }
    }

    private final Path file;

    MetricsCsv(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Rows already written; none when the file does not exist. */
    List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("epoch")) {
                rows.add(Row.parse(line));
            }
        }
        return rows;
    }

    /** Starts the file over, keeping the rows of the first {@code epochs} epochs (those a resumed run has). */
    void keepEpochs(int epochs) throws IOException {
        List<Row> kept = new ArrayList<>();
        for (Row row : rows()) {
            if (row.epoch() <= epochs) {
                kept.add(row);
            }
        }
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        kept.forEach(r -> text.append(r.csv()).append('\n'));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    void append(Row row) throws IOException {
        Files.writeString(file, row.csv() + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }
}
