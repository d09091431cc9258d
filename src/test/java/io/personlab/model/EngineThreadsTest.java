package io.personlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.model.tfjs.TfjsImporter;
import io.personlab.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --engine-threads reaches both engines. TensorFlow: the PoseNet SavedModel run in fresh JVMs (TF's thread
 * pools are per process) with 1 and with 6 engine threads; the TF pool threads of the process are
 * counted by name.
 */
class EngineThreadsTest {
  @TempDir Path dir;

  @Test
  void tensorFlowHonoursEngineThreads() throws Exception {
    TfjsImporter.importGraphModel(SharedData.path("models/posenet-mobilenet-tfjs/posenet.json"), dir);
    Map<String, Integer> one = probe(dir.toString(), 1), six = probe(dir.toString(), 6);
    int tfOne = tfThreads(one), tfSix = tfThreads(six);
    String both = "1 thread: " + one + "\n6 threads: " + six;
    // without the setting both runs get TF's default pools (sized by the cores) and the same count
    assertTrue(tfSix - tfOne >= 5, "native threads with 6 engine threads minus with 1: " + (tfSix - tfOne) + "\n" + both);
  }

  @Test
  void onnxRuntimeHonoursEngineThreads() throws Exception {
    String onnx = SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString();
    Map<String, Integer> one = probe(onnx, 1), six = probe(onnx, 6);
    assertTrue(tfThreads(six) - tfThreads(one) >= 5, "native threads with 6 engine threads minus with 1: "
        + (tfThreads(six) - tfThreads(one)) + "\n1 thread: " + one + "\n6 threads: " + six);
  }

  /**
   * Native threads that are not the JVM's: the JVM names its own threads; TF's and ONNX Runtime's
   * pool threads keep the process name "java" (as does the main thread, counted in both runs alike).
   */
  private static int tfThreads(Map<String, Integer> names) {
    return names.getOrDefault("java", 0);
  }

  private static Map<String, Integer> probe(String model, int threads) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.onnx.disable_alternative=true", "-cp",
        System.getProperty("java.class.path"), EngineThreadsProbe.class.getName(), model,
        String.valueOf(threads), SharedData.path("data/coco-mini-val/images/000000109313.jpg").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    Map<String, Integer> names = new HashMap<>();
    for (String line : out.split("\n")) {
      int sp = line.lastIndexOf(' ');
      if (sp > 0 && line.substring(sp + 1).matches("[0-9]+") && !line.contains(":")) {
        names.put(line.substring(0, sp), Integer.parseInt(line.substring(sp + 1)));
      }
    }
    assertTrue(names.containsKey("total"), out);
    return names;
  }
}
