package dev.fusedtrainer.samples.fashion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** A PNG of loss (train and test) and test accuracy per epoch, drawn without a display. */
final class TrainingChart {
    private TrainingChart() {
    }

    static void write(Path png, String title, List<MetricsCsv.Row> rows) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries train = new XYSeries("train loss");
        XYSeries test = new XYSeries("test loss");
        XYSeries accuracy = new XYSeries("test accuracy (%)");
        for (MetricsCsv.Row row : rows) {
            train.add(row.epoch(), row.trainLoss());
            test.add(row.epoch(), row.testLoss());
            accuracy.add(row.epoch(), 100 * row.testAccuracy());
        }
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(train);
        losses.addSeries(test);
        NumberAxis lossAxis = new NumberAxis("loss");
        lossAxis.setAutoRangeIncludesZero(false);
        NumberAxis accuracyAxis = new NumberAxis("accuracy (%)");
        accuracyAxis.setAutoRangeIncludesZero(false);
        XYPlot lossPlot = new XYPlot(losses, null, lossAxis, new XYLineAndShapeRenderer(true, true));
        XYPlot accuracyPlot = new XYPlot(new XYSeriesCollection(accuracy), null, accuracyAxis,
                new XYLineAndShapeRenderer(true, true));
        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis);
        plot.setGap(12);
        plot.add(lossPlot, 1);
        plot.add(accuracyPlot, 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 700);
    }
}
