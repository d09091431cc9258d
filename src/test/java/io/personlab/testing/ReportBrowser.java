package io.personlab.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Opens a static HTML report in headless Chromium (Debian's /usr/bin/chromium driven through
 * /usr/bin/chromedriver by Selenium) and fails on what a person would see as broken:
 *
 * <ul>
 *   <li>a console error or uncaught exception (Chrome's browser log at SEVERE, plus an
 *       {@code error} listener installed before the page's own scripts);
 *   <li>an {@code <img>} that did not load ({@code naturalWidth == 0} once loading is over);
 *   <li>an expected section id missing from the page;
 *   <li>any request of the page the server answered with 404 (pictures, styles, data links are
 *       not followed, only what the browser itself fetched).
 * </ul>
 *
 * The report directory is served over HTTP on 127.0.0.1 (an ephemeral port), not file://, so
 * relative links resolve as they will on a web server or S3 website. One full-page PNG screenshot
 * per call lands in {@code target/report-screenshots/NAME.png}, written before the checks fail,
 * so a failing report can be looked at too.
 *
 * <p>Chromium or chromedriver missing is a failure naming the install script, never a skip.
 *
 * <p>Use: {@code ReportBrowser.check(dir, ReportBrowser.LABEL_REPORT_SECTIONS, "label-report")}.
 */
public final class ReportBrowser {
  private ReportBrowser() {}

  // Selenium looks for a CDP binding matching Chromium's version (selenium-devtools-vNNN, not a
  // dependency: the checker sends raw CDP commands through chromedriver) and warns at every start.
  private static final java.util.logging.Logger CDP_FINDER_LOG =
      java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  static {
    CDP_FINDER_LOG.setLevel(Level.SEVERE);
  }

  public static final Path SCREENSHOTS = Path.of("target", "report-screenshots");
  /** The section ids of a label report's index.html (issue 13's contract). */
  public static final List<String> LABEL_REPORT_SECTIONS =
      List.of("summary", "sample", "distributions", "errors", "previous");
  /** The section ids of an evaluation report's index.html (issue 13's contract). */
  public static final List<String> EVALUATION_REPORT_SECTIONS =
      List.of("stats", "curves", "worst", "inputs");
  public static final String INSTALL_SCRIPT = "src/test/setup/install-test-tools.sh";

  /** What a passing check saw. */
  public record Result(String url, String title, int images, int requests, Path screenshot) {}

  /** Checks {@code dir/index.html}. */
  public static Result check(Path dir, List<String> expectedSections, String screenshotName) {
    return check(dir, "index.html", expectedSections, screenshotName);
  }

  /**
   * Serves {@code dir}, opens {@code page} (relative to it), saves the screenshot and throws an
   * {@link AssertionError} listing every problem found.
   */
  public static Result check(
      Path dir, String page, List<String> expectedSections, String screenshotName) {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve(page))) {
      throw new AssertionError("report page not found: " + root.resolve(page));
    }
    Path chromium = tool("personlab.chromium", "/usr/bin/chromium", "chromium");
    Path chromedriver = tool("personlab.chromedriver", "/usr/bin/chromedriver", "chromium-driver");

    List<String> problems = new ArrayList<>();
    try (StaticServer server = StaticServer.start(root)) {
      String url = server.base() + page;
      Path profile = Files.createTempDirectory("personlab-chromium-");
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(chromedriver.toFile())
              .usingAnyFreePort()
              .withSilent(true)
              .build();
      ChromeOptions options = new ChromeOptions();
      options.setBinary(chromium.toFile());
      options.addArguments(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-dev-shm-usage",
          "--hide-scrollbars",
          "--window-size=1280,900",
          "--user-data-dir=" + profile);
      LoggingPreferences logging = new LoggingPreferences();
      logging.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logging);

      ChromeDriver driver;
      try {
        driver = new ChromeDriver(service, options);
      } catch (RuntimeException e) {
        deleteTree(profile);
        throw new AssertionError("could not start headless Chromium (" + chromium + " via "
            + chromedriver + "): " + e.getMessage().lines().findFirst().orElse("")
            + "; run bash " + INSTALL_SCRIPT, e);
      }
      Path shot;
      String title;
      int images;
      try {
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        // Before any script of the page runs: collect uncaught exceptions and rejections.
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
            "window.__personlabErrors = [];"
                + "window.addEventListener('error', function (e) {"
                + "  if (e.target && e.target !== window) return;"
                + "  window.__personlabErrors.push('uncaught ' + (e.error && e.error.stack"
                + "    ? e.error.stack.split('\\n')[0] : e.message) + ' at ' + e.filename"
                + "    + ':' + e.lineno);"
                + "});"
                + "window.addEventListener('unhandledrejection', function (e) {"
                + "  window.__personlabErrors.push('unhandled rejection ' + e.reason);"
                + "});"));
        driver.get(url);
        JavascriptExecutor js = driver;
        // A contact sheet may use loading="lazy": load every picture, as scrolling through would.
        js.executeScript("document.querySelectorAll('img[loading=\"lazy\"]')"
            + ".forEach(function (i) { i.loading = 'eager'; });");
        waitUntil(js, "return document.readyState === 'complete'"
            + " && Array.from(document.images).every(function (i) { return i.complete; });",
            Duration.ofSeconds(30), problems, "page or its images still loading after 30 s");
        title = String.valueOf(js.executeScript("return document.title;"));

        @SuppressWarnings("unchecked")
        List<Object> broken = (List<Object>) js.executeScript(
            "return Array.from(document.images)"
                + ".filter(function (i) { return !i.complete || i.naturalWidth === 0; })"
                + ".map(function (i) { return i.getAttribute('src'); });");
        for (Object src : broken) {
          problems.add("broken image (naturalWidth 0): " + src);
        }
        images = ((Number) js.executeScript("return document.images.length;")).intValue();

        for (String id : expectedSections) {
          Object found = js.executeScript("return document.getElementById(arguments[0]) !== null;", id);
          if (!Boolean.TRUE.equals(found)) {
            problems.add("missing section id '" + id + "'");
          }
        }

        @SuppressWarnings("unchecked")
        List<Object> pageErrors = (List<Object>) js.executeScript(
            "return window.__personlabErrors || [];");
        for (Object e : pageErrors) {
          problems.add("script error: " + e);
        }
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
          if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
            problems.add("console error: " + entry.getMessage());
          }
        }
        shot = screenshot(driver, screenshotName);
      } finally {
        driver.quit();
        deleteTree(profile);
      }
      for (String missing : server.notFound()) {
        problems.add("HTTP 404 for " + missing);
      }
      if (!problems.isEmpty()) {
        throw new AssertionError("report " + root.resolve(page) + " failed in Chromium ("
            + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
            + "; screenshot " + shot + "):\n  - " + String.join("\n  - ", problems));
      }
      return new Result(url, title, images, server.requests(), shot);
    } catch (IOException e) {
      throw new AssertionError("report " + root + ": " + e, e);
    }
  }

  /** Full page (beyond the window), as Chrome's DevTools captures it; at most 16,000 px tall. */
  private static Path screenshot(ChromeDriver driver, String name) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
    @SuppressWarnings("unchecked")
    Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
    double width = Math.max(1, ((Number) size.get("width")).doubleValue());
    double height = Math.min(16_000, Math.max(1, ((Number) size.get("height")).doubleValue()));
    Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of(
        "format", "png",
        "captureBeyondViewport", true,
        "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
    byte[] png = Base64.getDecoder().decode((String) shot.get("data"));
    Files.createDirectories(SCREENSHOTS);
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    Path out = SCREENSHOTS.resolve(safe.endsWith(".png") ? safe : safe + ".png");
    Files.write(out, png);
    return out.toAbsolutePath();
  }

  private static void waitUntil(
      JavascriptExecutor js, String condition, Duration timeout, List<String> problems, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Boolean.TRUE.equals(js.executeScript(condition))) {
      if (System.nanoTime() > deadline) {
        problems.add(what);
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for the page", e);
      }
    }
  }

  /** The tool at -D{property}, else the Debian path; missing is a failure naming the script. */
  static Path tool(String property, String debianPath, String debianPackage) {
    Path p = Path.of(System.getProperty(property, debianPath));
    if (!Files.isExecutable(p)) {
      throw new AssertionError(p + " not found (Debian package " + debianPackage
          + "): the browser tests need headless Chromium and chromedriver; install them with"
          + " `bash " + INSTALL_SCRIPT + "` (mvn verify runs it before the tests), or set -D"
          + property + "=PATH");
    }
    return p;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temporary profile is harmless
    }
  }

  /** The report directory over HTTP on 127.0.0.1; remembers every path it answered with 404. */
  static final class StaticServer implements AutoCloseable {
    private static final Map<String, String> TYPES = Map.ofEntries(
        Map.entry("html", "text/html; charset=utf-8"),
        Map.entry("css", "text/css; charset=utf-8"),
        Map.entry("js", "text/javascript; charset=utf-8"),
        Map.entry("json", "application/json"),
        Map.entry("csv", "text/csv; charset=utf-8"),
        Map.entry("txt", "text/plain; charset=utf-8"),
        Map.entry("png", "image/png"),
        Map.entry("jpg", "image/jpeg"),
        Map.entry("jpeg", "image/jpeg"),
        Map.entry("gif", "image/gif"),
        Map.entry("webp", "image/webp"),
        Map.entry("svg", "image/svg+xml"));

    private final HttpServer server;
    private final Path root;
    private final List<String> notFound = new CopyOnWriteArrayList<>();
    private final List<String> served = new CopyOnWriteArrayList<>();

    private StaticServer(HttpServer server, Path root) {
      this.server = server;
      this.root = root;
    }

    static StaticServer start(Path root) throws IOException {
      HttpServer http = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      StaticServer s = new StaticServer(http, root);
      http.createContext("/", s::handle);
      http.start();
      return s;
    }

    String base() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    List<String> notFound() {
      return List.copyOf(notFound);
    }

    int requests() {
      return served.size();
    }

    private void handle(HttpExchange ex) throws IOException {
      try (ex) {
        String raw = ex.getRequestURI().getRawPath();
        String rel = URLDecoder.decode(raw, StandardCharsets.UTF_8).replaceFirst("^/+", "");
        if (rel.equals("favicon.ico")) {
          // Chrome asks for it on its own; a report need not have one.
          ex.sendResponseHeaders(204, -1);
          return;
        }
        Path file = root.resolve(rel).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
          notFound.add(raw);
          byte[] body = ("not found: " + raw).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(404, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
          return;
        }
        served.add(raw);
        String name = file.getFileName().toString();
        String ext = name.contains(".")
            ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
        ex.getResponseHeaders().set("Content-Type",
            TYPES.getOrDefault(ext, "application/octet-stream"));
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if ("HEAD".equals(ex.getRequestMethod())) {
          ex.sendResponseHeaders(200, -1);
          return;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Files.copy(file, buf);
        ex.sendResponseHeaders(200, buf.size());
        try (OutputStream out = ex.getResponseBody()) {
          buf.writeTo(out);
        }
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
