package io.personlab.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Spark standalone cluster of separate JVMs: a master and workers (1 core each, own work dirs),
 * started through our spark-class, so through Spark's launcher like sbin/start-*.sh would.
 */
final class StandaloneCluster {
  final int port;
  final int webPort;
  final List<Procs.Proc> workers = new ArrayList<>();
  final List<Path> workDirs = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  StandaloneCluster(Procs procs, Path sparkHome, Path dir, int workerCount, String workerMemory) throws Exception {
    port = S3Server.freePort();
    webPort = S3Server.freePort();
    Map<String, String> env = SparkHome.env(sparkHome);
    String spark = sparkHome.resolve("bin/spark-class").toString();
    procs.start("master", List.of(spark, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
        "--port", String.valueOf(port), "--webui-port", String.valueOf(webPort)), env, dir.resolve("master"));
    for (int i = 1; i <= workerCount; i++) {
      Path work = dir.resolve("worker-" + i);
      workDirs.add(work);
      workers.add(procs.start("worker-" + i, List.of(spark, "org.apache.spark.deploy.worker.Worker",
          "--host", "127.0.0.1", "--cores", "1", "--memory", workerMemory, "--webui-port", "0",
          "--work-dir", work.resolve("work").toString(), url()), env, work));
    }
    Procs.await(workerCount + " alive workers", Duration.ofSeconds(90), () -> aliveWorkers() == workerCount);
  }

  String url() {
    return "spark://127.0.0.1:" + port;
  }

  /** The master's state, as its web UI serves it at /json/. */
  JsonNode state() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/json/"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? json.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  int aliveWorkers() {
    JsonNode s = state();
    return s == null ? -1 : s.path("aliveworkers").asInt(-1);
  }

  /** A driver's state (SUBMITTED, RUNNING, FINISHED, FAILED, ERROR, KILLED), or null when unknown. */
  String driverState(String driverId) {
    JsonNode s = state();
    if (s == null) {
      return null;
    }
    for (String list : new String[] {"activedrivers", "completeddrivers"}) {
      for (JsonNode d : s.path(list)) {
        if (driverId.equals(d.path("id").asText())) {
          return d.path("state").asText();
        }
      }
    }
    return null;
  }

  /** Applications still running on the cluster. */
  int activeApps() {
    JsonNode s = state();
    return s == null ? -1 : s.path("activeapps").size();
  }

  /** The executor JVMs the workers forked. */
  List<ProcessHandle> executors() {
    List<ProcessHandle> out = new ArrayList<>();
    for (Procs.Proc w : workers) {
      out.addAll(Procs.descendantsRunning(w.process().toHandle(), "CoarseGrainedExecutorBackend"));
    }
    return out;
  }
}
