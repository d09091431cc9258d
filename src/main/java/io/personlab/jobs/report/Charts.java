package io.personlab.jobs.report;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;

/** The report's plots, drawn with JFreeChart and returned as PNG bytes. */
public final class Charts {
  public static final int WIDTH = 520;
  public static final int HEIGHT = 300;
  private static final Color BAR = new Color(0, 114, 178);

  private Charts() {}

  /**
   * A histogram of {@code values} in {@code bins} equal bins between their minimum and maximum
   * (one bin of width 1 around the value when all are equal).
   */
  public static byte[] histogram(String title, String xLabel, double[] values, int bins) {
    HistogramDataset data = new HistogramDataset();
    if (values.length > 0) {
      double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (max <= min) {
        min -= 0.5;
        max += 0.5;
      }
      data.addSeries(xLabel, values, bins, min, max);
    }
    JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "count", data,
        PlotOrientation.VERTICAL, false, false, false);
    XYPlot plot = chart.getXYPlot();
    XYBarRenderer r = (XYBarRenderer) plot.getRenderer();
    r.setBarPainter(new StandardXYBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, BAR);
    style(chart);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getRangeAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits()); // counts: no 2.5 images
    return png(chart);
  }

  /** {@link #bars} of counts: the value axis has whole-number ticks only. */
  public static byte[] countBars(String title, String xLabel, String yLabel, String[] categories, double[] values) {
    return png(countAxis(barChart(title, xLabel, yLabel, categories, values)));
  }

  private static JFreeChart countAxis(JFreeChart chart) {
    chart.getCategoryPlot().getRangeAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    return chart;
  }

  /** Bars, one per category, in the order given. */
  public static byte[] bars(String title, String xLabel, String yLabel, String[] categories,
      double[] values) {
    return png(barChart(title, xLabel, yLabel, categories, values));
  }

  private static JFreeChart barChart(String title, String xLabel, String yLabel, String[] categories,
      double[] values) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int i = 0; i < categories.length; i++) {
      data.addValue(values[i], yLabel, categories[i]);
    }
    JFreeChart chart = ChartFactory.createBarChart(title, xLabel, yLabel, data,
        PlotOrientation.VERTICAL, false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer r = (BarRenderer) plot.getRenderer();
    r.setBarPainter(new StandardBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, BAR);
    style(chart);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    return chart;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
  }

  /** Any JFreeChart as PNG bytes at the report's size. */
  public static byte[] png(JFreeChart chart) {
    BufferedImage image = chart.createBufferedImage(WIDTH, HEIGHT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
