package io.personlab.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The tests' SPARK_HOME, {@code target/spark-home}: no Spark distribution is reachable here, so
 * {@code jars/} links Spark's own jars from the local Maven repository (the list the build writes to
 * {@code target/spark-home-classpath.txt}: Spark, spark-yarn, hadoop-aws and the AWS SDK, their
 * dependencies, none of the job's own) and {@code bin/} holds our minimal spark-submit and
 * spark-class (src/test/spark-home/bin), which go through Spark's real launcher library.
 */
final class SparkHome {
  static final Path PROJECT = Path.of("").toAbsolutePath();
  static final Path TARGET = PROJECT.resolve("target");

  private SparkHome() {}

  static synchronized Path prepare() {
    Path home = TARGET.resolve("spark-home");
    try {
      String listFile = System.getProperty("personlab.sparkHomeClasspath",
          TARGET.resolve("spark-home-classpath.txt").toString());
      if (!Files.isRegularFile(Path.of(listFile))) {
        throw new IllegalStateException(listFile + " is missing: run the ITs with mvn verify (after package)");
      }
      Path jars = home.resolve("jars");
      if (Files.isDirectory(jars)) {
        try (var old = Files.list(jars)) {
          for (Path p : (Iterable<Path>) old::iterator) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(jars);
      for (String jar : Files.readString(Path.of(listFile)).trim().split(java.io.File.pathSeparator)) {
        Path j = Path.of(jar);
        Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
      }
      Path bin = Files.createDirectories(home.resolve("bin"));
      for (String script : new String[] {"spark-class", "spark-submit"}) {
        Path to = bin.resolve(script);
        Files.copy(PROJECT.resolve("src/test/spark-home/bin").resolve(script), to, StandardCopyOption.REPLACE_EXISTING);
        to.toFile().setExecutable(true);
      }
      return home;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What every Spark process here needs in its environment. */
  static Map<String, String> env(Path home) {
    Map<String, String> env = new HashMap<>();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12"); // the worker cannot build executor commands without it
    env.put("SPARK_LOCAL_IP", "127.0.0.1"); // otherwise Spark binds a non-loopback address here
    env.put("SPARK_DAEMON_MEMORY", "512m");
    env.put("SPARK_CONF_DIR", home.resolve("conf").toString()); // empty: the test passes its own conf
    return env;
  }

  static Path jobJar() {
    Path jar = Path.of(System.getProperty("personlab.jobJar",
        TARGET.resolve("personlab-spark-0.1.0-SNAPSHOT-spark.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the ITs run after mvn package");
    }
    return jar;
  }

  /** Iceberg's Spark runtime jar (a test dependency), for runs that write the label table. */
  static Path icebergJar() {
    try {
      return Path.of(org.apache.iceberg.spark.SparkCatalog.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
