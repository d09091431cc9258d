package io.personlab.jobs.report;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * One self-contained static HTML page of a report: inline CSS, no scripts, no network at view
 * time; pictures and data files are relative links to files written beside it. Every text added
 * is escaped; {@link #rawHtml} is only for markup built here from escaped parts.
 */
public final class ReportPage {
  private static final String CSS = """
      body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
      h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
      table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
      th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
      figure{display:inline-block;margin:.5em;vertical-align:top;max-width:100%}figure img{max-width:100%;border:1px solid #ddd}
      figcaption{font-size:.85em;color:#444;max-width:520px}
      .sheet figure{width:360px}.sheet img{width:360px;height:auto}
      .note{color:#555;font-size:.9em}
      figure.nopicture{width:360px;min-height:120px;border:1px dashed #bbb;background:#fafafa;display:inline-flex;align-items:center;justify-content:center}
      pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;background:#f8f8f8;padding:.5em;max-height:30em;overflow:auto}
      """;

  private final StringBuilder body = new StringBuilder();
  private final String title;
  private boolean inSection;

  public ReportPage(String title) {
    this.title = title;
    body.append("<h1>").append(escape(title)).append("</h1>\n");
  }

  /** Starts a section; {@code id} is its anchor (tests look sections up by it). */
  public ReportPage section(String id, String heading) {
    closeSection();
    body.append("<section id=\"").append(escape(id)).append("\">\n<h2>").append(escape(heading))
        .append("</h2>\n");
    inSection = true;
    return this;
  }

  public ReportPage paragraph(String text) {
    body.append("<p>").append(escape(text)).append("</p>\n");
    return this;
  }

  public ReportPage note(String text) {
    body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
    return this;
  }

  /** A table; cells that parse as numbers are right-aligned. */
  public ReportPage table(List<String> header, List<List<String>> rows) {
    body.append("<table>\n<tr>");
    for (String h : header) {
      body.append("<th>").append(escape(h)).append("</th>");
    }
    body.append("</tr>\n");
    for (List<String> row : rows) {
      body.append("<tr>");
      for (String cell : row) {
        String c = cell == null ? "" : cell;
        body.append(isNumber(c) ? "<td class=\"num\">" : "<td>").append(escape(c)).append("</td>");
      }
      body.append("</tr>\n");
    }
    body.append("</table>\n");
    return this;
  }

  /** A two-column table of names and values, in the map's order. */
  public ReportPage keyValues(Map<String, String> values) {
    return table(List.of("", ""), values.entrySet().stream()
        .map(e -> List.of(e.getKey(), e.getValue() == null ? "" : e.getValue())).toList());
  }

  /** A picture with a caption a person understands without the code; {@code src} is relative. */
  public ReportPage figure(String src, String caption) {
    body.append(figureHtml(src, caption));
    return this;
  }

  /** A contact sheet: the figures side by side in a grid. */
  public ReportPage sheet(List<String> figuresHtml) {
    body.append("<div class=\"sheet\">\n");
    figuresHtml.forEach(body::append);
    body.append("</div>\n");
    return this;
  }

  /** Markup for one figure, for {@link #sheet}. */
  public static String figureHtml(String src, String caption) {
    return "<figure><img src=\"" + escape(src) + "\" alt=\"" + escape(caption) + "\" loading=\"lazy\">"
        + "<figcaption>" + escape(caption) + "</figcaption></figure>\n";
  }

  /**
   * Markup for a figure without a picture (a photo that could not be read), for {@link #sheet}:
   * the caption alone, in a box the size of a picture's.
   */
  public static String captionOnlyHtml(String caption) {
    return "<figure class=\"nopicture\"><figcaption>" + escape(caption) + "</figcaption></figure>\n";
  }

  /** Preformatted text (a configuration, a log excerpt), folded under a one-line summary. */
  public ReportPage folded(String summary, String text) {
    body.append("<details><summary>").append(escape(summary)).append("</summary><pre>").append(escape(text))
        .append("</pre></details>\n");
    return this;
  }

  /** A link to a file beside the page (a data file, another page). */
  public ReportPage link(String href, String text) {
    body.append("<p><a href=\"").append(escape(href)).append("\">").append(escape(text))
        .append("</a></p>\n");
    return this;
  }

  /** Markup built by the caller from {@link #escape}d parts. */
  public ReportPage rawHtml(String html) {
    body.append(html);
    return this;
  }

  public String html() {
    closeSection();
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        + escape(title) + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n" + body
        + "</body>\n</html>\n";
  }

  /** Writes the page as {@code dir/name} on any Hadoop filesystem. */
  public void write(Configuration conf, Path dir, String name) {
    ReportFiles.write(conf, new Path(dir, name), html().getBytes(StandardCharsets.UTF_8));
  }

  private void closeSection() {
    if (inSection) {
      body.append("</section>\n");
      inSection = false;
    }
  }

  public static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty()) {
      return false;
    }
    try {
      Double.parseDouble(s.replace(",", "").replace("%", ""));
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
