package io.personlab.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Child processes of a test (cluster daemons, spark-submit runs), each logging to its own files
 * under target/cluster/logs; {@link #close} stops every one and everything it forked (executors,
 * drivers), even when the test failed.
 */
final class Procs implements AutoCloseable {
  record Proc(String name, Process process, Path out, Path err) {
    String output() {
      try {
        return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(err) ? Files.readString(err) : "");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String stdout() {
      try {
        return Files.readString(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String tail(int chars) {
      String s = output();
      return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
    }

    int waitFor(Duration limit) throws InterruptedException {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not finish in " + limit + "; its output:\n" + tail(6000));
      }
      return process.exitValue();
    }
  }

  private final Path logs;
  private final List<Proc> started = new ArrayList<>();
  private int seq;

  Procs(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
    // also when the test JVM is stopped (a build interrupted): no daemon outlives it
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "procs-cleanup"));
  }

  synchronized Proc start(String name, List<String> command, Map<String, String> env, Path cwd) throws IOException {
    String file = String.format("%02d-%s", ++seq, name);
    Path out = logs.resolve(file + ".out"), err = logs.resolve(file + ".err");
    ProcessBuilder pb = new ProcessBuilder(command).directory(Files.createDirectories(cwd).toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Proc p = new Proc(name, pb.start(), out, err);
    started.add(p);
    return p;
  }

  /** Stops a process and all its descendants (SIGKILL: nothing here needs a clean shutdown). */
  static void kill(ProcessHandle root) {
    List<ProcessHandle> tree = Stream.concat(root.descendants(), Stream.of(root)).toList();
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // reported by the caller's assertions if it matters
      }
    }
  }

  /** The JVMs below a process whose command line names a main class. */
  static List<ProcessHandle> descendantsRunning(ProcessHandle root, String mainClass) {
    return root.descendants().filter(h -> h.info().commandLine().map(c -> c.contains(mainClass)).orElse(false))
        .toList();
  }

  static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + limit + " waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  @Override
  public synchronized void close() {
    // newest first: submissions, then workers (with their executors and drivers), then the master
    for (int i = started.size() - 1; i >= 0; i--) {
      kill(started.get(i).process().toHandle());
    }
    started.clear();
  }
}
