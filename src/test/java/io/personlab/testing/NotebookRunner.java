package io.personlab.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Executes a Jupyter notebook headless, as CI does: Debian's {@code jupyter nbconvert --to
 * notebook --execute --ExecutePreprocessor.timeout=120 --output-dir target/notebooks} with the
 * notebook's inputs in environment variables. Fails (an {@link AssertionError}) with the failing
 * cell's source and error text when a cell raises; the executed notebook, with its outputs and
 * figures, lands in {@code target/notebooks/NAME.ipynb}.
 *
 * <p>Jupyter or the kernel's packages missing is a failure naming the install script, never a
 * skip. Use: {@code NotebookRunner.execute(Path.of("notebooks/evaluation.ipynb"),
 * Map.of("PERSONLAB_EVALUATION", dir.toString()), "evaluation")}.
 */
public final class NotebookRunner {
  private NotebookRunner() {}

  public static final Path OUTPUT_DIR = Path.of("target", "notebooks");
  public static final int CELL_TIMEOUT_SECONDS = 120;

  /** What an executed notebook holds. */
  public record Result(Path executed, int codeCells, int figures, List<String> stderr, String outputText) {}

  public static final Path NOTEBOOKS = Path.of("notebooks");

  /** notebooks/label-report.ipynb on a label report folder; executed as NAME.ipynb. */
  public static Result labelReport(Path reportDir, String name) {
    return execute(NOTEBOOKS.resolve("label-report.ipynb"),
        Map.of("PERSONLAB_LABEL_REPORT", reportDir.toAbsolutePath().toString()), name);
  }

  /** notebooks/evaluation.ipynb on an evaluation's --output folder. */
  public static Result evaluation(Path evaluationDir, String name) {
    return execute(NOTEBOOKS.resolve("evaluation.ipynb"),
        Map.of("PERSONLAB_EVALUATION", evaluationDir.toAbsolutePath().toString()), name);
  }

  /** notebooks/compare.ipynb on two label reports and an evaluation with sets a and b. */
  public static Result compare(Path labelReportA, Path labelReportB, Path evaluationDir, String name) {
    return execute(NOTEBOOKS.resolve("compare.ipynb"), Map.of(
        "PERSONLAB_LABEL_REPORT_A", labelReportA.toAbsolutePath().toString(),
        "PERSONLAB_LABEL_REPORT_B", labelReportB.toAbsolutePath().toString(),
        "PERSONLAB_EVALUATION", evaluationDir.toAbsolutePath().toString()), name);
  }

  /** Executes {@code notebook} with {@code env} added to this process's environment. */
  public static Result execute(Path notebook, Map<String, String> env, String outputName) {
    if (!Files.isRegularFile(notebook)) {
      throw new AssertionError("notebook not found: " + notebook.toAbsolutePath());
    }
    Path jupyter = Path.of(System.getProperty("personlab.jupyter", "/usr/bin/jupyter"));
    boolean debian = jupyter.equals(Path.of("/usr/bin/jupyter"));
    if (!Files.isExecutable(jupyter)
        || debian && !Files.isExecutable(Path.of("/usr/bin/jupyter-nbconvert"))) {
      throw new AssertionError(jupyter + " (jupyter nbconvert) not found: the notebook tests need"
          + " Debian's jupyter-nbconvert, python3-ipykernel, python3-pandas and python3-matplotlib;"
          + " install them with `bash " + ReportBrowser.INSTALL_SCRIPT + "` (mvn verify runs it"
          + " before the tests), or set -Dpersonlab.jupyter=PATH");
    }
    String name = outputName.endsWith(".ipynb")
        ? outputName.substring(0, outputName.length() - ".ipynb".length()) : outputName;
    try {
      Files.createDirectories(OUTPUT_DIR);
      Path executed = OUTPUT_DIR.resolve(name + ".ipynb").toAbsolutePath();
      Files.deleteIfExists(executed);
      Path log = Files.createTempFile("personlab-nbconvert-", ".log");
      List<String> cmd = List.of(jupyter.toString(), "nbconvert", "--to", "notebook", "--execute",
          "--ExecutePreprocessor.timeout=" + CELL_TIMEOUT_SECONDS,
          "--ExecutePreprocessor.kernel_name=python3",
          "--output-dir", OUTPUT_DIR.toAbsolutePath().toString(), "--output", name,
          notebook.toAbsolutePath().toString());
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .directory(Path.of("").toAbsolutePath().toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      Map<String, String> penv = pb.environment();
      // Debian's interpreter and its packages, not a python3 earlier on PATH (pyenv, conda).
      penv.put("PATH", "/usr/bin:/bin:" + penv.getOrDefault("PATH", ""));
      penv.remove("PYTHONPATH");
      penv.remove("PYTHONHOME");
      penv.put("JUPYTER_PLATFORM_DIRS", "1");
      penv.put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
      penv.putAll(env);
      Process p = pb.start();
      // Cells have their own timeout; this bounds kernel start-up and a hung kernel.
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("notebook " + notebook + " still running after 10 minutes");
      }
      String out = Files.readString(log, StandardCharsets.UTF_8).replaceAll("\u001B\\[[;\\d]*m", "");
      Files.deleteIfExists(log);
      if (p.exitValue() != 0) {
        throw new AssertionError("notebook " + notebook + " failed (jupyter nbconvert exit "
            + p.exitValue() + ", env " + env + "):\n" + cellError(out));
      }
      if (!Files.isRegularFile(executed)) {
        throw new AssertionError("notebook " + notebook + ": nbconvert wrote no " + executed
            + ":\n" + out);
      }
      return inspect(notebook, executed);
    } catch (IOException e) {
      throw new AssertionError("notebook " + notebook + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + notebook, e);
    }
  }

  /**
   * The error first (the traceback's last line), then nbconvert's message from "An error occurred
   * while executing the following cell" on: the cell's source and its traceback.
   */
  static String cellError(String out) {
    int at = out.indexOf("An error occurred while executing the following cell");
    String text = at >= 0 ? out.substring(at) : out;
    String last = text.lines().map(String::strip).filter(l -> !l.isEmpty())
        .reduce((a, b) -> b).orElse("");
    // Library frames can make the traceback long; keep both ends.
    String body = text.length() > 8000 ? text.substring(0, 4000) + "\n...\n"
        + text.substring(text.length() - 4000) : text;
    return last + "\n" + body;
  }

  private static Result inspect(Path notebook, Path executed) throws IOException {
    JsonNode nb = new ObjectMapper().readTree(executed.toFile());
    int code = 0;
    int figures = 0;
    List<String> stderr = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (JsonNode cell : nb.path("cells")) {
      if (!"code".equals(cell.path("cell_type").asText())) {
        continue;
      }
      code++;
      for (JsonNode o : cell.path("outputs")) {
        String type = o.path("output_type").asText();
        if ("error".equals(type)) {
          errors.add(o.path("ename").asText() + ": " + o.path("evalue").asText());
        }
        if (o.path("data").has("image/png")) {
          figures++;
        }
        if ("stream".equals(type)) {
          String t = text(o.path("text"));
          text.append(t);
          if ("stderr".equals(o.path("name").asText())) {
            stderr.add(t);
          }
        }
        for (String mime : List.of("text/plain", "text/html")) {
          if (o.path("data").has(mime)) {
            text.append(text(o.path("data").path(mime))).append('\n');
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new AssertionError("notebook " + notebook + " has error outputs: " + errors);
    }
    return new Result(executed, code, figures, stderr, text.toString());
  }

  private static String text(JsonNode node) {
    if (node.isArray()) {
      StringBuilder b = new StringBuilder();
      node.forEach(n -> b.append(n.asText()));
      return b.toString();
    }
    return node.asText();
  }
}
