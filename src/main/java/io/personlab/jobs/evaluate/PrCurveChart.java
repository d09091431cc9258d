package io.personlab.jobs.evaluate;

import io.personlab.eval.Accumulation;
import io.personlab.eval.EvalParams;
import io.personlab.eval.IouType;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.block.LengthConstraintType;
import org.jfree.chart.block.RectangleConstraint;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A precision/recall picture of one COCO evaluation ({@link Accumulation}), drawn with JFreeChart:
 * one panel per area range ("all", "medium", "large" for keypoints; "all", "small", "medium",
 * "large" for segm/bbox), side by side under a common title, each {@value #PANEL_WIDTH} x
 * {@value #PANEL_HEIGHT} pixels below a {@value #TITLE_HEIGHT}-pixel title strip.
 *
 * <p>Each panel plots, at the last maxDets and for category k = 0 only (the first category in
 * ascending id order; with more than one category the others are not drawn), the interpolated
 * precision at the 101 recall thresholds for IoU/OKS 0.50, for 0.75 (each where the parameters
 * have that threshold) and the mean over all thresholds. pycocotools' AP for that area range is
 * the mean of that last curve over recall; it is shown in the legend. An area range with no
 * ground truth (all precision -1) gets an empty panel titled "no ground truth in this range".
 *
 * <p>Nothing global is set (no {@code java.awt.headless}): callers on a machine without a display
 * run the JVM headless, which Linux JVMs do by default when DISPLAY is unset, and the tests do
 * through surefire's {@code -Djava.awt.headless=true}.
 */
public final class PrCurveChart {
  private PrCurveChart() {}

  static final int PANEL_WIDTH = 400;
  static final int PANEL_HEIGHT = 420;
  static final int TITLE_HEIGHT = 36;

  /** Series paints, set explicitly (the tests look for them). */
  static final Color COLOR_50 = new Color(0x1f, 0x77, 0xb4);
  static final Color COLOR_75 = new Color(0xff, 0x7f, 0x0e);
  static final Color COLOR_MEAN = new Color(0x2c, 0xa0, 0x2c);

  static final String NO_GROUND_TRUTH = "no ground truth in this range";

  /** Margin around 0..1 on both axes, so curves at precision 1 or 0 are not half clipped. */
  private static final double PAD = 0.02;

  /**
   * Writes the picture as a PNG to {@code out}, which is flushed, not closed.
   *
   * @param acc an accumulation with at least one category (k = 0 is drawn)
   * @param title the picture's title, e.g. "keypoints: precision vs recall"
   */
  public static void writePng(Accumulation acc, String title, OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    BufferedImage image = render(acc, title);
    if (!ImageIO.write(image, "png", out)) {
      throw new IOException("no PNG writer in ImageIO");
    }
    out.flush();
  }

  /** The picture: {@code A * PANEL_WIDTH} x {@code TITLE_HEIGHT + PANEL_HEIGHT}. */
  static BufferedImage render(Accumulation acc, String title) {
    return compose(panels(acc), title);
  }

  /** Panels side by side under a title strip. */
  private static BufferedImage compose(JFreeChart[] panels, String title) {
    int width = panels.length * PANEL_WIDTH;
    int height = TITLE_HEIGHT + PANEL_HEIGHT;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g2 = image.createGraphics();
    try {
      g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g2.setPaint(Color.WHITE);
      g2.fill(new Rectangle2D.Double(0, 0, width, height));
      TextTitle heading = new TextTitle(title == null ? "" : title, new Font(Font.SANS_SERIF, Font.BOLD, 18));
      heading.setPaint(Color.BLACK);
      // lays the text out (fixed width, free height: TextTitle cannot arrange fixed x fixed)
      heading.arrange(g2, new RectangleConstraint(width, null, LengthConstraintType.FIXED,
          0.0, null, LengthConstraintType.NONE));
      heading.draw(g2, new Rectangle2D.Double(0, 0, width, TITLE_HEIGHT));
      for (int a = 0; a < panels.length; a++) {
        panels[a].draw(g2, new Rectangle2D.Double(a * PANEL_WIDTH, TITLE_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT));
      }
    } finally {
      g2.dispose();
    }
    return image;
  }

  /** Colours of the two sets in a comparison: a blue, b orange (thick: the mean; thin dashed: 0.50). */
  static final Color COLOR_A = new Color(0x1f, 0x77, 0xb4);
  static final Color COLOR_B = new Color(0xff, 0x7f, 0x0e);

  /**
   * Two prediction sets' curves on the same axes, one panel per area range (the layout of {@link
   * #render}): for each set the mean over all thresholds (thick, its AP in the legend) and the
   * 0.50 threshold (thin, dashed); a in blue, b in orange.
   */
  public static void writeComparisonPng(Accumulation a, Accumulation b, String title, OutputStream out)
      throws IOException {
    Objects.requireNonNull(out, "out");
    if (!ImageIO.write(renderComparison(a, b, title), "png", out)) {
      throw new IOException("no PNG writer in ImageIO");
    }
    out.flush();
  }

  static BufferedImage renderComparison(Accumulation a, Accumulation b, String title) {
    EvalParams p = a.params();
    JFreeChart[] panels = new JFreeChart[p.areaRanges().length];
    for (int r = 0; r < panels.length; r++) {
      panels[r] = comparisonPanel(a, b, r);
    }
    return compose(panels, title);
  }

  private static JFreeChart comparisonPanel(Accumulation a, Accumulation b, int area) {
    EvalParams p = a.params();
    int m = p.maxDets().length - 1;
    double[] thr = p.iouThrs();
    String measure = p.iouType() == IouType.KEYPOINTS ? "OKS" : "IoU";
    XYSeriesCollection data = new XYSeriesCollection();
    List<Color> paints = new ArrayList<>();
    List<Boolean> thick = new ArrayList<>();
    String[] names = {"a", "b"};
    Accumulation[] accs = {a, b};
    for (int s = 0; s < 2; s++) {
      double ap = averagePrecision(accs[s], area);
      if (ap <= -1 || accs[s].numCategories() < 1) {
        continue;
      }
      Color c = s == 0 ? COLOR_A : COLOR_B;
      data.addSeries(curve(accs[s], String.format(Locale.ROOT, "%s: mean %s:%s (AP %.3f)", names[s],
          shortThreshold(thr[0]), shortThreshold(thr[thr.length - 1]), ap), 0, thr.length, area, m));
      paints.add(c);
      thick.add(true);
      int t50 = indexOf(thr, 0.50);
      if (t50 >= 0) {
        data.addSeries(curve(accs[s], String.format(Locale.ROOT, "%s: %s 0.50", names[s], measure), t50,
            t50 + 1, area, m));
        paints.add(c);
        thick.add(false);
      }
    }
    boolean any = data.getSeriesCount() > 0;
    String heading = "area " + p.areaLabels()[area] + (any ? ", maxDets " + p.maxDetLast() : ": " + NO_GROUND_TRUTH);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int s = 0; s < paints.size(); s++) {
      renderer.setSeriesPaint(s, paints.get(s));
      renderer.setSeriesStroke(s, thick.get(s) ? new BasicStroke(3.0f)
          : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
    }
    XYPlot plot = new XYPlot(data, axis("recall"), axis("precision"), renderer);
    return styled(heading, plot, any);
  }

  /** One chart per area range, in the parameters' order. */
  static JFreeChart[] panels(Accumulation acc) {
    Objects.requireNonNull(acc, "acc");
    if (acc.numCategories() < 1) {
      throw new IllegalArgumentException("the accumulation has no category to draw");
    }
    EvalParams p = acc.params();
    JFreeChart[] charts = new JFreeChart[p.areaRanges().length];
    for (int a = 0; a < charts.length; a++) {
      charts[a] = panel(acc, a);
    }
    return charts;
  }

  /**
   * pycocotools' AP for area range {@code a}, category 0, the last maxDets: the mean of the
   * precision entries above -1 over all thresholds and recall thresholds; -1 if there are none.
   */
  static double averagePrecision(Accumulation acc, int a) {
    EvalParams p = acc.params();
    int m = p.maxDets().length - 1;
    double sum = 0;
    int n = 0;
    for (int t = 0; t < p.iouThrs().length; t++) {
      for (int r = 0; r < p.recThrs().length; r++) {
        double v = acc.precision(t, r, 0, a, m);
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
    return n == 0 ? -1 : sum / n;
  }

  private static JFreeChart panel(Accumulation acc, int a) {
    EvalParams p = acc.params();
    int m = p.maxDets().length - 1;
    double[] thr = p.iouThrs();
    String measure = p.iouType() == IouType.KEYPOINTS ? "OKS" : "IoU";
    String heading = "area " + p.areaLabels()[a] + ", maxDets " + p.maxDetLast();

    XYSeriesCollection data = new XYSeriesCollection();
    double ap = averagePrecision(acc, a);
    boolean hasGroundTruth = ap > -1;
    Color[] paints = new Color[3];
    int series = 0;
    if (hasGroundTruth) {
      int t50 = indexOf(thr, 0.50);
      int t75 = indexOf(thr, 0.75);
      if (t50 >= 0) {
        data.addSeries(curve(acc, String.format(Locale.ROOT, "%s 0.50", measure), t50, t50 + 1, a, m));
        paints[series++] = COLOR_50;
      }
      if (t75 >= 0) {
        data.addSeries(curve(acc, String.format(Locale.ROOT, "%s 0.75", measure), t75, t75 + 1, a, m));
        paints[series++] = COLOR_75;
      }
      String label = String.format(Locale.ROOT, "mean over %s:%s (AP %.3f)",
          shortThreshold(thr[0]), shortThreshold(thr[thr.length - 1]), ap);
      data.addSeries(curve(acc, label, 0, thr.length, a, m));
      paints[series++] = COLOR_MEAN;
    } else {
      heading = "area " + p.areaLabels()[a] + ": " + NO_GROUND_TRUTH;
    }

    NumberAxis x = axis("recall");
    NumberAxis y = axis("precision");
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int s = 0; s < series; s++) {
      renderer.setSeriesPaint(s, paints[s]);
      renderer.setSeriesStroke(s, new BasicStroke(paints[s] == COLOR_MEAN ? 3.0f : 2.0f));
    }
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD); // the mean on top
    plot.setNoDataMessageFont(new Font(Font.SANS_SERIF, Font.ITALIC, 13));
    return styled(heading, plot, hasGroundTruth);
  }

  /** A panel's common look: white, light grid, bold heading, the legend (if any) below. */
  private static JFreeChart styled(String heading, XYPlot plot, boolean legend) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    plot.setNoDataMessage(NO_GROUND_TRUTH);
    JFreeChart chart = new JFreeChart(heading, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, legend);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    LegendTitle title = chart.getLegend();
    if (title != null) {
      title.setPosition(RectangleEdge.BOTTOM);
      title.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      title.setFrame(BlockBorder.NONE);
    }
    return chart;
  }

  /** Precision at each recall threshold, averaged over thresholds [t0, t1) where above -1. */
  private static XYSeries curve(Accumulation acc, String key, int t0, int t1, int a, int m) {
    double[] rec = acc.params().recThrs();
    XYSeries s = new XYSeries(key, false, true);
    for (int r = 0; r < rec.length; r++) {
      double sum = 0;
      int n = 0;
      for (int t = t0; t < t1; t++) {
        double v = acc.precision(t, r, 0, a, m);
        if (v > -1) {
          sum += v;
          n++;
        }
      }
      if (n > 0) {
        s.add(rec[r], sum / n);
      }
    }
    return s;
  }

  private static NumberAxis axis(String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setRange(-PAD, 1 + PAD);
    axis.setTickUnit(new NumberTickUnit(0.2));
    axis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    return axis;
  }

  private static int indexOf(double[] thresholds, double value) {
    for (int t = 0; t < thresholds.length; t++) {
      if (Math.abs(thresholds[t] - value) < 1e-9) {
        return t;
      }
    }
    return -1;
  }

  /** ".50" for 0.5, as pycocotools' summary writes thresholds. */
  private static String shortThreshold(double v) {
    String s = String.format(Locale.ROOT, "%.2f", v);
    return s.startsWith("0.") ? s.substring(1) : s;
  }
}
