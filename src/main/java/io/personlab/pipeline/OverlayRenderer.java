package io.personlab.pipeline;

import io.personlab.geometry.Skeleton;
import io.personlab.image.RgbImage;
import io.personlab.people.Person;
import io.personlab.rle.Rle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.List;

/** Draws people over their photo: instance masks in colour, skeletons and keypoints, scores. */
public final class OverlayRenderer {
  private static final Color[] PALETTE = {
    new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200), new Color(245, 130, 48),
    new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230), new Color(210, 245, 60),
    new Color(250, 190, 212), new Color(0, 128, 128), new Color(170, 110, 40), new Color(128, 0, 0),
  };

  private OverlayRenderer() {}

  /** The colour {@link #render} gives the {@code j}-th person (0 = the first in the list). */
  public static Color color(int j) {
    return PALETTE[j % PALETTE.length];
  }

  /**
   * @param minKeypointScore keypoints (and bones) scoring below this are not drawn
   */
  public static BufferedImage render(RgbImage photo, List<Person> people, Skeleton skeleton,
      double minKeypointScore) {
    int w = photo.width(), h = photo.height();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] px = io.personlab.image.Thumbnails.packed(photo);
    for (int j = people.size() - 1; j >= 0; j--) { // best person painted last, on top
      Rle mask = people.get(j).mask();
      if (mask == null) {
        continue;
      }
      mask = io.personlab.rle.RleOps.resize(mask, h, w); // a capped mask (--mask-max-side) at the photo's size
      Color c = PALETTE[j % PALETTE.length];
      int p = 0;
      boolean on = false;
      for (int run : mask.counts()) {
        if (on) {
          for (int q = p; q < p + run; q++) {
            int x = q / h, y = q % h; // column-major
            int i = y * w + x;
            int o = px[i];
            px[i] = (blend((o >> 16) & 0xff, c.getRed()) << 16) | (blend((o >> 8) & 0xff, c.getGreen()) << 8)
                | blend(o & 0xff, c.getBlue());
          }
        }
        p += run;
        on = !on;
      }
    }
    out.setRGB(0, 0, w, h, px, 0, w);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    float line = Math.max(2f, Math.max(w, h) / 300f);
    g.setStroke(new BasicStroke(line, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    for (int j = 0; j < people.size(); j++) {
      Person p = people.get(j);
      Color c = PALETTE[j % PALETTE.length];
      g.setColor(c.brighter());
      for (int e = 0; e < skeleton.numEdges(); e++) {
        int a = skeleton.parent(e), b = skeleton.child(e);
        if (p.keypointScore(a) >= minKeypointScore && p.keypointScore(b) >= minKeypointScore) {
          g.draw(new Line2D.Double(p.x(a), p.y(a), p.x(b), p.y(b)));
        }
      }
      for (int k = 0; k < p.numKeypoints(); k++) {
        if (p.keypointScore(k) >= minKeypointScore) {
          double r = line * 1.6;
          g.setColor(Color.WHITE);
          g.fill(new Ellipse2D.Double(p.x(k) - r, p.y(k) - r, 2 * r, 2 * r));
          g.setColor(c.darker());
          g.draw(new Ellipse2D.Double(p.x(k) - r, p.y(k) - r, 2 * r, 2 * r));
        }
      }
      g.setColor(Color.WHITE);
      g.drawString(String.format("%.2f", p.score()), (float) p.box()[0] + 2, (float) p.box()[1] + 12);
    }
    g.dispose();
    return out;
  }

  private static int blend(int under, int over) {
    return (under * 55 + over * 45) / 100;
  }
}
