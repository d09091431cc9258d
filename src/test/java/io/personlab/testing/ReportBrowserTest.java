package io.personlab.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser checker itself, on small pages written here: one good, each failure on its own. */
class ReportBrowserTest {
  private static final List<String> SECTIONS = List.of("summary", "sample", "errors");

  @TempDir Path tmp;

  @Test
  void goodPagePassesAndLeavesAScreenshot() throws IOException {
    Path dir = page("good", "<img src=\"pictures/a.jpg\" alt=\"a photo\" width=\"160\">", SECTIONS);
    ReportBrowser.Result r = ReportBrowser.check(dir, SECTIONS, "report-browser-good");
    assertEquals("test report good", r.title());
    assertEquals(1, r.images());
    assertTrue(Files.size(r.screenshot()) > 1000, "screenshot written: " + r.screenshot());
    BufferedImage shot = ImageIO.read(r.screenshot().toFile());
    assertEquals(1280, shot.getWidth());
    assertTrue(shot.getHeight() > 900, "full page, beyond the 900 px window: " + shot.getHeight());
  }

  @Test
  void lazyPicturesFarBelowTheFoldAreLoadedAndChecked() throws IOException {
    String spacer = "<div style=\"height:5000px\"></div>";
    Path good = page("lazy", spacer + "<img loading=\"lazy\" src=\"pictures/a.jpg\" alt=\"a\">", SECTIONS);
    assertEquals(1, ReportBrowser.check(good, SECTIONS, "report-browser-lazy").images());
    Path bad = page("lazy-broken", spacer + "<img loading=\"lazy\" src=\"pictures/b.jpg\" alt=\"b\">",
        SECTIONS);
    assertContains(fails(bad, "report-browser-lazy-broken"), "broken image (naturalWidth 0): pictures/b.jpg");
  }

  @Test
  void missingImageFailsWithItsNameAndThe404() throws IOException {
    Path dir = page("missing-img", "<img src=\"pictures/nowhere.jpg\" alt=\"gone\">", SECTIONS);
    AssertionError e = fails(dir, "report-browser-missing-image");
    assertContains(e, "broken image (naturalWidth 0): pictures/nowhere.jpg");
    assertContains(e, "HTTP 404 for /pictures/nowhere.jpg");
  }

  @Test
  void undecodableImageFails() throws IOException {
    Path dir = page("corrupt-img", "<img src=\"pictures/corrupt.jpg\" alt=\"corrupt\">", SECTIONS);
    Files.write(dir.resolve("pictures/corrupt.jpg"), "not a jpeg".getBytes(StandardCharsets.UTF_8));
    AssertionError e = fails(dir, "report-browser-corrupt-image");
    assertContains(e, "broken image (naturalWidth 0): pictures/corrupt.jpg");
    assertFalse(e.getMessage().contains("HTTP 404"), e.getMessage());
  }

  @Test
  void scriptErrorFails() throws IOException {
    Path dir = page("script", "<script>noSuchFunction();</script>", SECTIONS);
    AssertionError e = fails(dir, "report-browser-script-error");
    assertContains(e, "script error: uncaught ReferenceError: noSuchFunction is not defined");
    assertContains(e, "console error:");
  }

  @Test
  void consoleErrorFails() throws IOException {
    Path dir = page("console", "<script>console.error('labels went missing');</script>", SECTIONS);
    AssertionError e = fails(dir, "report-browser-console-error");
    assertContains(e, "labels went missing");
  }

  @Test
  void missingSectionFails() throws IOException {
    Path dir = page("section", "", List.of("summary", "sample"));
    AssertionError e = fails(dir, "report-browser-missing-section");
    assertContains(e, "missing section id 'errors'");
    assertFalse(e.getMessage().contains("'summary'"), e.getMessage());
  }

  @Test
  void missingChromiumFailsNamingTheInstallScript() throws IOException {
    String old = System.getProperty("personlab.chromium");
    System.setProperty("personlab.chromium", tmp.resolve("no-chromium").toString());
    try {
      AssertionError e = fails(page("nochrome", "", SECTIONS), "unused");
      assertContains(e, "src/test/setup/install-test-tools.sh");
      assertContains(e, "chromium");
    } finally {
      if (old == null) {
        System.clearProperty("personlab.chromium");
      } else {
        System.setProperty("personlab.chromium", old);
      }
    }
  }

  /** Runs the check, expects it to fail, and prints the message (the failure demo in the log). */
  private static AssertionError fails(Path dir, String screenshot) {
    AssertionError e = assertThrows(AssertionError.class,
        () -> ReportBrowser.check(dir, SECTIONS, screenshot));
    System.out.println("ReportBrowserTest: expected failure: " + e.getMessage());
    return e;
  }

  private static void assertContains(AssertionError e, String part) {
    assertTrue(e.getMessage().contains(part), "expected '" + part + "' in:\n" + e.getMessage());
  }

  /** A small static report: a style sheet, a picture, the given sections, {@code extra} HTML. */
  private Path page(String name, String extra, List<String> sections) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.createDirectories(dir.resolve("pictures"));
    BufferedImage img = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(40, 90, 160));
    g.fillRect(0, 0, 320, 200);
    g.setColor(Color.ORANGE);
    g.fillOval(110, 40, 100, 120);
    g.dispose();
    ImageIO.write(img, "jpg", dir.resolve("pictures/a.jpg").toFile());
    Files.writeString(dir.resolve("style.css"),
        "body{font-family:sans-serif;margin:2em} section{min-height:400px;border-top:1px solid #ccc}");
    StringBuilder html = new StringBuilder()
        .append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>test report ")
        .append(name).append("</title><link rel=\"stylesheet\" href=\"style.css\"></head><body>")
        .append("<h1>Test report ").append(name).append("</h1>");
    for (String s : sections) {
      html.append("<section id=\"").append(s).append("\"><h2>").append(s).append("</h2>")
          .append("<p>Section ").append(s).append(".</p></section>");
    }
    html.append(extra).append("</body></html>");
    Files.writeString(dir.resolve("index.html"), html.toString());
    return dir;
  }
}
