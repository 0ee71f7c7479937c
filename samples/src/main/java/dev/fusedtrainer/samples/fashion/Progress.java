package dev.fusedtrainer.samples.fashion;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress: a live one-line bar on a terminal, plain log lines otherwise (a pipe, a file,
 * CI), so that logs stay readable.
 */
abstract class Progress {
    protected final PrintStream out;
    protected int epoch;
    protected int epochs;
    protected int batches;
    protected int batchSize;
    private long epochStartNanos;
    private int firstBatch;
    private double runningLoss = Double.NaN;

    Progress(PrintStream out) {
        this.out = out;
    }

    /** A bar when stdout is a terminal ({@code System.console() != null}), plain lines otherwise. */
    static Progress forStdout() {
        return System.console() != null ? new Bar(System.out) : new Lines(System.out);
    }

    void startEpoch(int epoch, int epochs, int firstBatch, int batches, int batchSize) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.firstBatch = firstBatch;
        this.batches = batches;
        this.batchSize = batchSize;
        this.epochStartNanos = System.nanoTime();
        this.runningLoss = Double.NaN;
    }

    /** After each step: {@code batch} batches of the epoch are done. */
    void step(int batch, float loss) {
        // exponential moving average over roughly the last 50 batches
        runningLoss = Double.isNaN(runningLoss) ? loss : 0.98 * runningLoss + 0.02 * loss;
        show(batch, false);
    }

    void endEpochSteps() {
        show(batches, true);
    }

    protected String status(int batch) {
        double seconds = (System.nanoTime() - epochStartNanos) * 1e-9;
        int done = batch - firstBatch;
        double rate = seconds > 0 ? done * (double) batchSize / seconds : 0;
        double eta = done > 0 ? seconds / done * (batches - batch) : Double.NaN;
        return String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  %,.0f samples/s  loss %.4f  ETA %s",
                epoch + 1, epochs, batch, batches, rate, runningLoss, eta(eta));
    }

    private static String eta(double seconds) {
        if (Double.isNaN(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    protected abstract void show(int batch, boolean last);

    /** Prints a finished line (epoch summary, notes) without disturbing the bar. */
    abstract void line(String text);

    /** {@code [#####.....]} redrawn in place at most ten times a second. */
    static final class Bar extends Progress {
        private static final int WIDTH = 24;
        private long lastDraw;

        Bar(PrintStream out) {
            super(out);
        }

        @Override
        protected void show(int batch, boolean last) {
            long now = System.nanoTime();
            if (!last && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int filled = (int) ((long) WIDTH * batch / Math.max(1, batches));
            String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
            out.print("\r\033[K[" + bar + "] " + status(batch));
            out.flush();
        }

        @Override
        void line(String text) {
            out.print("\r\033[K");
            out.println(text);
        }
    }

    /** One line about every 10% of an epoch. */
    static final class Lines extends Progress {
        private int nextReport;

        Lines(PrintStream out) {
            super(out);
        }

        @Override
        void startEpoch(int epoch, int epochs, int firstBatch, int batches, int batchSize) {
            super.startEpoch(epoch, epochs, firstBatch, batches, batchSize);
            nextReport = firstBatch + Math.max(1, batches / 10);
        }

        @Override
        protected void show(int batch, boolean last) {
            if (batch >= nextReport && batch < batches) {
                out.println(status(batch));
                nextReport += Math.max(1, batches / 10);
            }
        }

        @Override
        void line(String text) {
            out.println(text);
        }
    }
}
