package io.personlab.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personlab.testing.SharedData;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The labeling job's shaded jar on YARN ({@code --master yarn --deploy-mode cluster}): HDFS and
 * YARN run in a child process ({@link MiniHadoop}), the images and the model are in HDFS, the
 * labels go to HDFS. The rows must equal a local[2] run's over the same images.
 */
class YarnClusterIT {
  static final String MODEL_NAME = StandaloneClusterIT.MODEL_NAME;

  @Test
  void labelsHdfsImagesOnYarnInClusterDeployMode() throws Exception {
    Path images = SharedData.path("data/coco-mini-val/images");
    Path model = SharedData.path("models/" + MODEL_NAME);
    Path dir = SparkHome.TARGET.resolve("cluster-it/yarn");
    StandaloneClusterIT.deleteRecursively(dir);
    List<String> timings = new ArrayList<>();
    SparkSession spark = null;
    try (Procs procs = new Procs(dir.resolve("logs"))) {
      long t0 = System.nanoTime();
      Path sparkHome = SparkHome.prepare();
      Path confDir = dir.resolve("hadoop-conf");
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g"));
      ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens"))
          .forEach(cmd::add);
      // the test JVM's classpath (failsafe's manifest jar): minicluster, Spark's Hadoop, this class
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MiniHadoop.class.getName(),
          dir.resolve("base").toString(), confDir.toString()));
      Map<String, String> env = SparkHome.env(sparkHome);
      // containers start $JAVA_HOME/bin/java
      env.put("JAVA_HOME", System.getProperty("java.home"));
      Procs.Proc hadoop = procs.start("mini-hadoop", cmd, env, dir);
      Procs.await("HDFS and YARN up", Duration.ofMinutes(3), () -> {
        if (!hadoop.process().isAlive()) {
          throw new AssertionError("MiniHadoop died:\n" + hadoop.tail(6000));
        }
        return hadoop.stdout().contains("READY");
      });
      Configuration site = new Configuration(false);
      site.addResource(new org.apache.hadoop.fs.Path(confDir.resolve("core-site.xml").toUri()));
      String fsUri = site.get("fs.defaultFS");
      FileSystem fs = FileSystem.get(URI.create(fsUri), new Configuration());
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(images.toUri()),
          new org.apache.hadoop.fs.Path(fsUri + "/photos/coco-mini-val"));
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(model.toUri()),
          new org.apache.hadoop.fs.Path(fsUri + "/models/" + MODEL_NAME));
      assertEquals(79, fs.listStatus(new org.apache.hadoop.fs.Path(fsUri + "/photos/coco-mini-val")).length);
      timings.add(String.format("HDFS + YARN up, images and model in HDFS: %.1f s", StandaloneClusterIT.secondsSince(t0)));

      String input = fsUri + "/photos/coco-mini-val/";
      String modelUri = fsUri + "/models/" + MODEL_NAME;
      spark = Labels.localSpark(Map.of());
      Labels.Store reference = Labels.reference(spark, StandaloneClusterIT.OPTIONS, timings);

      env.put("HADOOP_CONF_DIR", confDir.toString());
      // first the model shipped with --files, then read from HDFS by --model hdfs://...
      for (String variant : List.of("files", "model-uri")) {
        String out = fsUri + "/labels/yarn-" + variant;
        List<String> submit = new ArrayList<>(List.of(sparkHome.resolve("bin/spark-submit").toString(),
            "--master", "yarn", "--deploy-mode", "cluster", "--class", "io.personlab.cli.LabelCommand",
            "--properties-file", SparkHome.PROJECT.resolve("conf/spark-defaults.conf").toString(),
            // Spark 3.5's UI filter (AmIpFilter) fails to start in the minicluster's AM
            "--conf", "spark.ui.enabled=false",
            "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g", "--driver-memory", "1g",
            // YARN does not pass the NodeManager's environment on: without this the application
            // master (the driver) and the executors bind this machine's non-loopback address
            "--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
            "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
            // Spark's own jars are installed on every node, as on EMR or Dataproc: not uploaded
            "--conf", "spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*"));
        if (variant.equals("files")) {
          submit.addAll(List.of("--files", modelUri));
        } else { // the second run writes the label table in HDFS, Iceberg's runtime jar shipped
          submit.addAll(List.of("--jars", SparkHome.icebergJar().toString()));
        }
        submit.add(SparkHome.jobJar().toString());
        submit.addAll(args(input, out, variant.equals("files") ? MODEL_NAME : modelUri));
        if (!variant.equals("files")) {
          submit.addAll(List.of("--table", "labels"));
        }
        System.out.println("[yarn-" + variant + "] " + String.join(" ", submit));
        t0 = System.nanoTime();
        Procs.Proc p = procs.start("submit-yarn-" + variant, submit, env, dir.resolve("submit-" + variant));
        // on YARN spark-submit waits for the application and fails when it fails
        assertEquals(0, p.waitFor(Duration.ofMinutes(5)), p.tail(8000));
        assertTrue(p.output().contains("final status: SUCCEEDED"), p.tail(4000));
        timings.add(String.format("yarn cluster mode, %s submit, %s: %.1f s", variant.equals("files") ? "first" : "second",
            variant.equals("files") ? "--files" : "--model hdfs://, --table", StandaloneClusterIT.secondsSince(t0)));
        Labels.Store s = variant.equals("files") ? Labels.read(spark, out) : Labels.readTable(spark, "labels", out);
        assertEquals(79, s.latest().size());
        assertEquals(79, s.distinctUris());
        assertEquals(79, s.all().size());
        assertEquals(79, s.ok());
        assertEquals(reference.people(), s.people());
        for (int i = 0; i < reference.keypointStats().length; i++) {
          assertEquals(reference.keypointStats()[i], s.keypointStats()[i], 1e-12, "keypoint stat " + i);
        }
      }
    } finally {
      if (spark != null) {
        spark.stop();
      }
      System.out.println("YarnClusterIT timings (79 images, --scales 385, 1 NodeManager, 2 executors x 1 core):");
      timings.forEach(t -> System.out.println("  " + t));
    }
  }

  static List<String> args(String input, String output, String model) {
    List<String> args = new ArrayList<>(List.of("--input", input, "--output", output, "--model", model));
    args.addAll(StandaloneClusterIT.OPTIONS);
    return args;
  }
}
