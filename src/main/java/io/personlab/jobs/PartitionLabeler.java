package io.personlab.jobs;

import ai.djl.Device;
import io.personlab.image.ImageDecoder;
import io.personlab.image.RgbImage;
import io.personlab.model.PersonLabModel;
import io.personlab.people.Person;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Labels one partition of images. On a GPU task a reader thread fetches and decodes images ahead
 * into a bounded queue while the task's thread runs the network and the decoding core, so image
 * decoding overlaps inference without holding more than {@code prefetch} images; on a CPU task
 * (one per core) images are decoded in the task's thread. The model is the
 * executor JVM's one instance ({@link PersonLabModel#shared}); the task gets its own session,
 * closed when the task completes. Every input yields exactly one row: {@code ok}, or
 * {@code error} with the reason.
 */
public final class PartitionLabeler implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final ModelSource model;
  private final int engineThreads;
  private final PipelineConfig config;
  private final SerializableConfiguration hadoop;
  private final long maxFileBytes;
  private final int prefetch;
  private final LongAccumulator done;
  private final LongAccumulator failed;
  private final int failFirstAttemptOfPartitionsBelow; // test hook: inject task failures

  public PartitionLabeler(ModelSource model, int engineThreads, PipelineConfig config, SerializableConfiguration hadoop,
      long maxFileBytes, int prefetch, LongAccumulator done, LongAccumulator failed, int failFirstAttemptOfPartitionsBelow) {
    this.model = model;
    this.engineThreads = engineThreads;
    this.config = config;
    this.hadoop = hadoop;
    this.maxFileBytes = maxFileBytes;
    this.prefetch = prefetch;
    this.done = done;
    this.failed = failed;
    this.failFirstAttemptOfPartitionsBelow = failFirstAttemptOfPartitionsBelow;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    TaskContext task = TaskContext.get();
    Device device = DeviceSelector.select(task == null ? null : task.resourcesJMap());
    PersonLabModel net = PersonLabModel.shared(ModelStaging.localPath(model, hadoop.value()), engineThreads, device);
    PersonLabPipeline pipeline = new PersonLabPipeline(net.spec(), config);
    PersonLabModel.Session session = net.newSession();
    // A prefetch thread only pays when inference leaves a core free (a GPU runs it); with a CPU
    // task per core it oversubscribes them (measured: +44% over a plain loop on local[2], +17%
    // without). Negative = automatic.
    int depth = prefetch >= 0 ? prefetch : (device.isGpu() ? 4 : 0);
    Reader reader = new Reader(input, depth);
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> {
        reader.stop();
        session.close();
      });
      if (task.attemptNumber() == 0 && task.partitionId() < failFirstAttemptOfPartitionsBelow) {
        // after some work, so that a retry really redoes it
        reader.start();
        throw new IllegalStateException("injected failure of partition " + task.partitionId() + ", attempt 0");
      }
    }
    reader.start();
    String modelId = net.spec().name();
    String specHash = net.spec().hash();
    int[] scales = config.longSides().stream().mapToInt(Integer::intValue).toArray();
    return new Iterator<>() {
      private Fetched next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = reader.take();
        }
        return next != Fetched.END;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Fetched f = next;
        next = null;
        Row row;
        if (f.error != null) {
          row = errorRow(f.uri, f.error, modelId, specHash, scales, f.decodeMs);
        } else {
          try {
            ImageResult r = pipeline.process(f.image, session);
            row = okRow(f.uri, r, modelId, specHash, scales, f.decodeMs);
          } catch (RuntimeException | OutOfMemoryError e) {
            // one image's failure, even running out of memory on a huge one, is its row's error
            row = errorRow(f.uri, f.uri + ": " + describe(e), modelId, specHash, scales, f.decodeMs);
          }
        }
        done.add(1);
        if (!"ok".equals(row.getString(4))) {
          failed.add(1);
        }
        return row;
      }
    };
  }

  /** An image read and decoded (or the reason it could not be), or the end marker. */
  private static final class Fetched {
    static final Fetched END = new Fetched(null, null, null, 0);
    final String uri;
    final RgbImage image;
    final String error;
    final double decodeMs;

    Fetched(String uri, RgbImage image, String error, double decodeMs) {
      this.uri = uri;
      this.image = image;
      this.error = error;
      this.decodeMs = decodeMs;
    }
  }

  /** The prefetching reader thread. */
  private final class Reader implements Runnable {
    private final Iterator<Row> input;
    private final int depth;
    private final BlockingQueue<Fetched> queue;
    private final ImageDecoder decoder = new ImageDecoder(config.maxPixels());
    private volatile Thread thread;
    private volatile Throwable crash;
    private volatile boolean started;

    Reader(Iterator<Row> input, int depth) {
      this.input = input;
      this.depth = depth;
      this.queue = new ArrayBlockingQueue<>(Math.max(1, depth));
    }

    void start() {
      if (started || depth == 0) { // 0: no thread, take() reads in the task's thread
        return;
      }
      started = true;
      thread = new Thread(this, "personlab-prefetch");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      Thread t = thread;
      if (t != null) {
        t.interrupt();
      }
    }

    Fetched take() {
      if (depth == 0) {
        return input.hasNext() ? fetch(input.next()) : Fetched.END;
      }
      try {
        while (true) {
          Fetched f = queue.poll(1, TimeUnit.SECONDS);
          if (f != null) {
            return f;
          }
          if (crash != null) {
            throw new IllegalStateException("image reader failed: " + crash, crash);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    private FileSystem fs;

    /** Reads and decodes one listed image, or says why it cannot be. */
    Fetched fetch(Row in) {
      String uri = in.getString(0);
      long size = in.getLong(1);
      long t0 = System.nanoTime();
      try {
        Path path = new Path(uri);
        byte[] bytes;
        if (isLocal(path)) {
          bytes = readLocal(path, uri, size);
        } else {
          if (fs == null || !sameFs(fs, path)) {
            fs = path.getFileSystem(hadoop.value());
          }
          bytes = read(fs, path, uri, size);
        }
        return new Fetched(uri, decoder.decode(bytes, uri), null, (System.nanoTime() - t0) / 1e6);
      } catch (RuntimeException | IOException | OutOfMemoryError e) {
        return new Fetched(uri, null, describe(e).startsWith(uri) ? describe(e) : uri + ": " + describe(e),
            (System.nanoTime() - t0) / 1e6);
      }
    }

    @Override
    public void run() {
      try {
        while (input.hasNext()) {
          Fetched f = fetch(input.next());
          queue.put(f);
        }
        queue.put(Fetched.END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable t) {
        crash = t;
      }
    }
  }

  /**
   * Reads a remote file (hdfs://, s3a://, ...) with at most maxFileBytes + 1 bytes buffered, so
   * an oversized file is refused without a status call per file (the listing's size is used when
   * known).
   */
  private byte[] read(FileSystem fs, Path path, String uri, long size) throws IOException {
    if (size > maxFileBytes) {
      throw new IOException(uri + ": file of " + size + " bytes exceeds the limit of " + maxFileBytes);
    }
    try (InputStream in = fs.open(path)) {
      return bounded(in, uri);
    } catch (java.io.FileNotFoundException e) {
      throw new IOException(uri + ": no such file or object");
    }
  }

  /**
   * Local files are read with NIO: Hadoop's local filesystem checks a .crc file and, for status
   * calls, forks a `stat` process per file on Linux, which cost more than decoding the image.
   */
  private byte[] readLocal(Path path, String uri, long size) throws IOException {
    java.nio.file.Path p = java.nio.file.Path.of(path.toUri().getPath());
    if (size > maxFileBytes) {
      throw new IOException(uri + ": file of " + size + " bytes exceeds the limit of " + maxFileBytes);
    }
    if (java.nio.file.Files.isDirectory(p)) {
      throw new IOException(uri + ": is a directory");
    }
    try (InputStream in = java.nio.file.Files.newInputStream(p)) {
      return bounded(in, uri);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException(uri + ": no such file or object");
    }
  }

  private byte[] bounded(InputStream in, String uri) throws IOException {
    byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxFileBytes + 1));
    if (data.length > maxFileBytes) {
      throw new IOException(uri + ": file exceeds the limit of " + maxFileBytes + " bytes");
    }
    return data;
  }

  private static boolean isLocal(Path path) {
    String scheme = path.toUri().getScheme();
    return scheme == null || scheme.equals("file");
  }

  private static boolean sameFs(FileSystem fs, Path path) {
    java.net.URI u = path.toUri();
    return u.getScheme() == null ? "file".equals(fs.getScheme())
        : u.getScheme().equals(fs.getScheme()) && java.util.Objects.equals(u.getAuthority(), fs.getUri().getAuthority());
  }

  private static String describe(Throwable e) {
    if (e instanceof OutOfMemoryError) {
      return "out of memory (" + e.getMessage() + "); lower --max-pixels or give executors more memory";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static Row okRow(String uri, ImageResult r, String modelId, String specHash, int[] scales, double decodeMs) {
    Row[] people = new Row[r.people().size()];
    for (int i = 0; i < people.length; i++) {
      Person p = r.people().get(i);
      Row mask = p.mask() == null ? null
          : RowFactory.create(p.mask().height(), p.mask().width(), p.mask().toCompressedString());
      people[i] = RowFactory.create(p.score(), p.keypoints(), p.box(), mask, p.mask() == null ? null : p.mask().area());
    }
    return RowFactory.create(uri, ImageIds.of(uri), r.width(), r.height(), "ok", null, modelId, specHash, scales,
        people, decodeMs + r.decodeMs(), r.forwardMs(), r.postMs());
  }

  static Row errorRow(String uri, String error, String modelId, String specHash, int[] scales, double decodeMs) {
    return RowFactory.create(uri, ImageIds.of(uri), null, null, "error", error, modelId, specHash, scales,
        new Row[0], decodeMs, 0.0, 0.0);
  }
}
