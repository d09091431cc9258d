package io.personlab.jobs;

import ai.djl.Device;
import io.personlab.image.DecodedImage;
import io.personlab.image.ImageDecodeException;
import io.personlab.image.ImageDecoder;
import io.personlab.model.PersonLabModel;
import io.personlab.people.Person;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.personlab.model.ModelSpec;
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
 * into a bounded queue while inference runs, so image decoding overlaps inference without holding
 * more than {@code prefetch} images; on a CPU task (one per core) each image is read, decoded and
 * labeled in one go. Each model (several for an ensemble, whose maps the pipeline merges with the
 * configured weights) is the executor JVM's shared instance ({@link PersonLabModel#openShared}),
 * used through a session per worker thread and model that is released when the task completes. Every input yields exactly one row: {@code ok}, or {@code error} with the reason.
 *
 * <p>Failures: every per-image Throwable (exceptions, running out of memory or stack on one file,
 * a linkage error in a decoder plug-in, ...) becomes that image's error row naming the file and
 * the error; only errors after which the JVM or the thread cannot be trusted
 * ({@link VirtualMachineError}s other than {@link OutOfMemoryError} and
 * {@link StackOverflowError}, i.e. {@link InternalError} and {@link UnknownError}, and
 * {@link ThreadDeath}) fail the task.
 *
 * <p>Time limit: the per-image work runs on a worker thread of the task (one reused daemon
 * thread, not one per image: a hand-off per image), which the task's thread waits for with the
 * per-image limit ({@code imageTimeoutSeconds}, 0 = none; with prefetch, reading+decoding and
 * inference share the one budget). On timeout the image is an error row "timed out after N s",
 * the stuck thread is interrupted and abandoned (Java cannot kill it; its session is closed when
 * it returns, if ever) and a fresh thread goes on with the next image. Abandoned threads that are
 * still stuck may each hold a core, so when {@value #MAX_HUNG_WORKERS} of them are alive in the
 * executor JVM the task fails with a message saying so.
 */
public final class PartitionLabeler implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /** Abandoned (timed-out) worker or reader threads alive in a JVM at which tasks fail. */
  public static final int MAX_HUNG_WORKERS = 3;
  /** Images per forward on a GPU task when no batch size is given. */
  public static final int DEFAULT_GPU_BATCH = 8;
  private static final AtomicInteger HUNG = new AtomicInteger();

  private final List<ModelSource> models;
  private final io.personlab.maps.EnsembleWeights weights;
  private final boolean cocoIds;
  private final int engineThreads;
  private final PipelineConfig config;
  private final SerializableConfiguration hadoop;
  private final long maxFileBytes;
  private final int prefetch;
  private final long imageTimeoutSeconds;
  private final LongAccumulator done;
  private final LongAccumulator failed;
  private final int batchSize;

  public PartitionLabeler(ModelSource model, int engineThreads, PipelineConfig config, SerializableConfiguration hadoop,
      long maxFileBytes, int prefetch, long imageTimeoutSeconds, LongAccumulator done, LongAccumulator failed,
      int batchSize, boolean cocoIds) {
    this(List.of(model), io.personlab.maps.EnsembleWeights.equal(1), engineThreads, config, hadoop, maxFileBytes,
        prefetch, imageTimeoutSeconds, done, failed, batchSize, cocoIds);
  }

  /**
   * An ensemble: each task opens a session of every model (each the executor JVM's shared
   * instance) and the pipeline merges their maps with {@code weights}, as {@code infer} does.
   */
  public PartitionLabeler(List<ModelSource> models, io.personlab.maps.EnsembleWeights weights, int engineThreads,
      PipelineConfig config, SerializableConfiguration hadoop, long maxFileBytes, int prefetch,
      long imageTimeoutSeconds, LongAccumulator done, LongAccumulator failed, int batchSize, boolean cocoIds) {
    if (models.isEmpty() || weights.models() != models.size()) {
      throw new IllegalArgumentException(models.size() + " models, weights for " + weights.models());
    }
    this.cocoIds = cocoIds;
    this.models = List.copyOf(models);
    this.weights = weights;
    this.engineThreads = engineThreads;
    this.config = config;
    this.hadoop = hadoop;
    this.maxFileBytes = maxFileBytes;
    this.prefetch = prefetch;
    this.imageTimeoutSeconds = imageTimeoutSeconds;
    this.done = done;
    this.failed = failed;
    if (batchSize < 0) {
      throw new IllegalArgumentException("batch size must be 0 (automatic) or positive: " + batchSize);
    }
    this.batchSize = batchSize;
  }

  /** Abandoned (timed-out) image threads of this JVM that are still running. */
  public static int hungWorkers() {
    return HUNG.get();
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    TaskContext task = TaskContext.get();
    Device device = DeviceSelector.select(task == null ? null : task.resourcesJMap());
    // A prefetch thread only pays when inference leaves a core free (a GPU runs it); with a CPU
    // task per core it oversubscribes them (measured: +44% over a plain loop on local[2], +17%
    // without). Negative = automatic.
    int depth = prefetch >= 0 ? prefetch : (device.isGpu() ? 4 : 0);
    int batch = batchSize > 0 ? batchSize : (device.isGpu() ? DEFAULT_GPU_BATCH : 1);
    if (batch > 1) {
      depth = Math.max(depth, batch); // the reader decodes the next batch while the network runs this one
    }
    Labeling labeling = new Labeling(input, device, depth, batch, task);
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> labeling.stop());
    }
    labeling.start();
    return new Iterator<>() {
      private Row next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = labeling.next();
          if (next == END) {
            labeling.stop(); // releases the worker's session now
          }
        }
        return next != END;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row row = next;
        next = null;
        done.add(1);
        if (!"ok".equals(row.getString(4))) {
          failed.add(1);
        }
        return row;
      }
    };
  }

  private static final Row END = RowFactory.create();

  /** One task's labeling: the worker thread, and the reader thread on prefetching tasks. */
  private final class Labeling {
    private final Iterator<Row> input;
    private final int depth;
    private final TaskContext task;
    private final Device device;
    private final PersonLabPipeline pipeline;
    private final String modelId;
    private final String specHash;
    private final int[] scales;
    private final long limitNanos;
    private final Object inputLock = new Object();
    private final int batch;
    private final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>(); // rows of the last batch
    private boolean inputEnded; // the reader's END was taken
    private final List<String> localModels;
    private Worker worker;
    private Reader reader;
    private volatile boolean stopped;

    Labeling(Iterator<Row> input, Device device, int depth, int batch, TaskContext task) {
      this.input = input;
      this.depth = depth;
      this.batch = batch;
      this.task = task;
      this.device = device;
      // copies (once per host) and loads (once per JVM) each model; the task's sessions are opened by its workers
      List<String> local = new ArrayList<>(models.size());
      for (ModelSource m : models) {
        local.add(ModelStaging.localPath(m, hadoop.value()));
      }
      this.localModels = List.copyOf(local);
      List<PersonLabModel.Session> first = openSessions();
      List<ModelSpec> specs = first.stream().map(s -> s.model().spec()).toList();
      this.pipeline = new PersonLabPipeline(specs, weights, config);
      this.modelId = LabelModels.modelId(specs);
      this.specHash = LabelModels.specHash(specs, weights);
      this.scales = config.longSides().stream().mapToInt(Integer::intValue).toArray();
      this.limitNanos = imageTimeoutSeconds <= 0 ? 0 : TimeUnit.SECONDS.toNanos(imageTimeoutSeconds);
      this.worker = new Worker(first);
    }

    /** A session of each model's shared instance in this JVM, in the ensemble's order. */
    private List<PersonLabModel.Session> openSessions() {
      List<PersonLabModel.Session> out = new ArrayList<>(localModels.size());
      try {
        for (String m : localModels) {
          out.add(PersonLabModel.openShared(m, engineThreads, device));
        }
      } catch (RuntimeException | Error e) {
        out.forEach(PersonLabModel.Session::close);
        throw e;
      }
      return out;
    }

    void start() {
      if (depth > 0 && reader == null) {
        reader = new Reader(depth);
      }
    }

    void stop() {
      stopped = true;
      Worker w = worker;
      if (w != null) {
        w.stop();
      }
      Reader r = reader;
      if (r != null) {
        r.stop();
      }
    }

    /** The next row, or END. */
    Row next() {
      if (!ready.isEmpty()) {
        return ready.poll();
      }
      if (batch > 1 && depth > 0) {
        nextBatch();
        return ready.isEmpty() ? END : ready.poll();
      }
      Fetched f;
      Row in = null;
      if (depth > 0) {
        f = takeFetched();
        if (f == Fetched.END) {
          return END;
        }
        if (f.error != null) {
          return errorRow(f.uri, f.error, f.errorKind, modelId, specHash, scales, f.decodeMs);
        }
      } else {
        if (!input.hasNext()) {
          return END;
        }
        in = input.next();
        f = null;
      }
      // the rest of the image's budget (with prefetch, reading and decoding took part of it)
      long budget = limitNanos == 0 ? 0 : Math.max(1, limitNanos - (f == null ? 0 : (long) (f.decodeMs * 1e6)));
      final Row row = in;
      final Fetched fetched = f;
      Fetcher fetcher = worker.fetcher;
      Object out = worker.run(session -> {
        Fetched g = fetched != null ? fetched : fetcher.fetch(row);
        if (g.error != null) {
          return errorRow(g.uri, g.error, g.errorKind, modelId, specHash, scales, g.decodeMs);
        }
        try {
          ImageResult r = pipeline.process(List.of(g.image), session, 1).get(0);
          return okRow(g.uri, r, modelId, specHash, scales, g.decodeMs);
        } catch (Throwable e) {
          rethrowIfFatal(e);
          return errorRow(g.uri, g.uri + ": " + describe(e), ErrorKind.of(e), modelId, specHash, scales, g.decodeMs);
        }
      }, budget);
      if (out instanceof Row r) {
        return r;
      }
      if (out instanceof Throwable t) { // fatal: fails the task with the original error
        sneakyThrow(t);
      }
      // timed out
      String uri = fetched != null ? fetched.uri : row.getString(0);
      abandon(worker, uri);
      worker = new Worker(openSessions());
      return errorRow(uri, uri + ": timed out after " + imageTimeoutSeconds + " s ("
          + (fetched != null ? "inference" : "reading, decoding or inference") + "); its thread was abandoned",
          ErrorKind.TRANSIENT, modelId, specHash, scales, fetched != null ? fetched.decodeMs : imageTimeoutSeconds * 1e3);
    }

    /**
     * Labels up to {@code batch} prefetched images in one go into {@link #ready} (their network
     * inputs of one size share forwards); images that could not be read are error rows. The
     * batch's time limit is the per-image limit times its images. If the batch fails as a whole,
     * each image is labeled alone, so that only the image at fault becomes an error row.
     */
    private void nextBatch() {
      List<Fetched> images = new ArrayList<>(batch);
      while (images.size() < batch && !inputEnded) {
        Fetched f = takeFetched();
        if (f == Fetched.END) {
          inputEnded = true;
        } else if (f.error != null) {
          ready.add(errorRow(f.uri, f.error, f.errorKind, modelId, specHash, scales, f.decodeMs));
        } else {
          images.add(f);
        }
      }
      if (images.isEmpty()) {
        return;
      }
      long budget = limitNanos == 0 ? 0 : limitNanos * images.size();
      Object out = worker.run(session -> {
        List<DecodedImage> decoded = new ArrayList<>(images.size());
        images.forEach(f -> decoded.add(f.image));
        List<Row> rows = new ArrayList<>(images.size());
        try {
          List<ImageResult> results = pipeline.process(decoded, session, batch);
          for (int i = 0; i < images.size(); i++) {
            Fetched f = images.get(i);
            rows.add(okRow(f.uri, results.get(i), modelId, specHash, scales, f.decodeMs));
          }
        } catch (Throwable e) {
          rethrowIfFatal(e);
          rows.clear();
          for (Fetched f : images) {
            try {
              rows.add(okRow(f.uri, pipeline.process(List.of(f.image), session, 1).get(0), modelId, specHash, scales,
                  f.decodeMs));
            } catch (Throwable one) {
              rethrowIfFatal(one);
              rows.add(errorRow(f.uri, f.uri + ": " + describe(one), ErrorKind.of(one), modelId, specHash, scales,
                  f.decodeMs));
            }
          }
        }
        return rows;
      }, budget);
      if (out instanceof List<?> rows) {
        rows.forEach(r -> ready.add((Row) r));
        return;
      }
      if (out instanceof Throwable t) {
        sneakyThrow(t);
      }
      abandon(worker, images.get(0).uri);
      worker = new Worker(openSessions());
      for (Fetched f : images) {
        ready.add(errorRow(f.uri, f.uri + ": timed out after " + imageTimeoutSeconds * images.size()
            + " s (inference of a batch of " + images.size() + " images); its thread was abandoned",
            ErrorKind.TRANSIENT, modelId, specHash, scales, f.decodeMs));
      }
    }

    private void abandon(Object what, String uri) {
      int hung = HUNG.incrementAndGet();
      if (what instanceof Worker w) {
        w.abandon();
      } else {
        ((Reader) what).abandon();
      }
      if (hung >= MAX_HUNG_WORKERS) {
        throw new IllegalStateException(hung + " image threads of this executor are stuck past the "
            + imageTimeoutSeconds + " s limit (the last on " + uri + ") and may each hold a core: failing the task");
      }
    }

    /** The reader's next image; one stuck in reading or decoding past the limit is abandoned. */
    private Fetched takeFetched() {
      try {
        while (true) {
          Reader r = reader;
          Fetched f = r.queue.poll(limitNanos == 0 ? 1000 : Math.min(200, Math.max(1, limitNanos / 1_000_000 / 4)),
              TimeUnit.MILLISECONDS);
          if (f != null) {
            return f;
          }
          if (r.crash != null) {
            rethrowIfFatal(r.crash); // the JVM's own errors as they are
            throw new IllegalStateException("image reader failed: " + r.crash, r.crash);
          }
          if (limitNanos > 0) {
            Current c;
            synchronized (inputLock) { // the reader takes its next input under this lock: it cannot move on meanwhile
              c = r.current;
              if (c == null || System.nanoTime() - c.start <= limitNanos) {
                continue;
              }
              r.abandoned = true;
            }
            r.thread.interrupt();
            reader = new Reader(depth);
            abandon(r, c.uri); // counts it (and fails the task if too many are stuck)
            return new Fetched(c.uri, null, c.uri + ": timed out after " + imageTimeoutSeconds
                + " s (reading or decoding); its thread was abandoned", imageTimeoutSeconds * 1e3);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (task != null) {
          task.killTaskIfInterrupted();
        }
        throw new IllegalStateException("interrupted", e);
      }
    }

    /** One reused daemon thread running images' work with its own session of each model. */
    private final class Worker implements Runnable {
      private final List<PersonLabModel.Session> session;
      final Fetcher fetcher = new Fetcher();
      private final SynchronousQueue<java.util.function.Function<List<PersonLabModel.Session>, Object>> jobs = new SynchronousQueue<>();
      private final ArrayBlockingQueue<Object> results = new ArrayBlockingQueue<>(1);
      private final Thread thread;
      private volatile boolean abandoned;
      private volatile boolean stopping;

      Worker(List<PersonLabModel.Session> session) {
        this.session = session;
        this.thread = new Thread(this, "personlab-image-worker");
        thread.setDaemon(true);
        thread.start();
      }

      /** The job's row, a fatal Throwable, or null when it did not finish within budget (0 = no limit). */
      Object run(java.util.function.Function<List<PersonLabModel.Session>, Object> job, long budgetNanos) {
        try {
          long deadline = System.nanoTime() + budgetNanos;
          if (budgetNanos == 0) {
            jobs.put(job);
            return results.take();
          }
          if (!jobs.offer(job, budgetNanos, TimeUnit.NANOSECONDS)) {
            return null;
          }
          return results.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          if (task != null) {
            task.killTaskIfInterrupted();
          }
          throw new IllegalStateException("interrupted", e);
        }
      }

      void abandon() {
        abandoned = true;
        thread.interrupt();
      }

      void stop() {
        stopping = true;
        thread.interrupt();
      }

      @Override
      public void run() {
        try {
          while (!stopping && !abandoned) {
            java.util.function.Function<List<PersonLabModel.Session>, Object> job = jobs.take();
            Object out;
            try {
              out = job.apply(session);
            } catch (Throwable t) { // only fatal ones get here
              out = t;
            }
            if (abandoned || stopping) {
              break;
            }
            Thread.interrupted(); // a stray interrupt of the finished image must not hit the next one
            results.put(out);
          }
        } catch (InterruptedException e) {
          // stopped or abandoned
        } finally {
          session.forEach(PersonLabModel.Session::close);
          if (abandoned) {
            HUNG.decrementAndGet();
          }
        }
      }
    }

    /** The prefetching reader thread (GPU tasks). */
    private final class Reader implements Runnable {
      final BlockingQueue<Fetched> queue;
      private final Fetcher fetcher = new Fetcher();
      final Thread thread;
      volatile Current current;
      volatile Throwable crash;
      volatile boolean abandoned;

      Reader(int depth) {
        this.queue = new ArrayBlockingQueue<>(Math.max(1, depth));
        thread = new Thread(this, "personlab-prefetch");
        thread.setDaemon(true);
        thread.start();
      }

      void abandon() {
        abandoned = true;
        thread.interrupt();
      }

      void stop() {
        thread.interrupt();
      }

      @Override
      public void run() {
        try {
          while (!stopped) {
            Row in;
            synchronized (inputLock) {
              if (abandoned) {
                return;
              }
              if (!input.hasNext()) {
                break;
              }
              in = input.next();
              current = new Current(in.getString(0), System.nanoTime());
            }
            Fetched f = fetcher.fetch(in);
            current = null;
            if (!offer(f)) {
              return;
            }
          }
          offer(Fetched.END);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable t) {
          crash = t;
        } finally {
          if (abandoned) {
            HUNG.decrementAndGet();
          }
        }
      }

      /** Queues f unless this reader was abandoned meanwhile (then its queue is no longer read). */
      private boolean offer(Fetched f) throws InterruptedException {
        while (!queue.offer(f, 100, TimeUnit.MILLISECONDS)) {
          if (abandoned || stopped) {
            return false;
          }
        }
        return !abandoned;
      }
    }
  }

  private record Current(String uri, long start) {}

  /** An image read and decoded (or the reason it could not be), or the end marker. */
  private static final class Fetched {
    static final Fetched END = new Fetched(null, null, null, 0);
    final String uri;
    final DecodedImage image;
    final String error;
    final String errorKind;
    final double decodeMs;

    Fetched(String uri, DecodedImage image, String error, double decodeMs) {
      this(uri, image, error, ErrorKind.TRANSIENT, decodeMs);
    }

    Fetched(String uri, DecodedImage image, String error, String errorKind, double decodeMs) {
      this.uri = uri;
      this.image = image;
      this.error = error;
      this.errorKind = error == null ? null : errorKind;
      this.decodeMs = decodeMs;
    }
  }

  /** Reads and decodes images (one per thread: it caches the last filesystem). */
  private final class Fetcher {
    private final ImageDecoder decoder = new ImageDecoder(config.maxPixels());
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
        return new Fetched(uri, decoder.decodeForNetwork(bytes, uri, config.largestLongSide()), null, (System.nanoTime() - t0) / 1e6);
      } catch (Throwable e) {
        rethrowIfFatal(e);
        return new Fetched(uri, null, describe(e).startsWith(uri) ? describe(e) : uri + ": " + describe(e),
            ErrorKind.of(e), (System.nanoTime() - t0) / 1e6);
      }
    }
  }

  /**
   * Errors after which neither the JVM nor the thread can be trusted fail the task; anything else
   * (out of memory or stack on one image included) is that image's error.
   */
  @SuppressWarnings({"deprecation", "removal"})
  static void rethrowIfFatal(Throwable e) {
    if (e instanceof OutOfMemoryError || e instanceof StackOverflowError) {
      return;
    }
    if (e instanceof VirtualMachineError || e instanceof ThreadDeath) {
      sneakyThrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }

  /**
   * Reads a remote file (hdfs://, s3a://, ...) with at most maxFileBytes + 1 bytes buffered, so
   * an oversized file is refused without a status call per file (the listing's size is used when
   * known).
   */
  private byte[] read(FileSystem fs, Path path, String uri, long size) throws IOException {
    if (size > maxFileBytes) {
      throw new ImageDecodeException(uri + ": file of " + size + " bytes exceeds the limit of " + maxFileBytes);
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
      throw new ImageDecodeException(uri + ": file of " + size + " bytes exceeds the limit of " + maxFileBytes);
    }
    if (java.nio.file.Files.isDirectory(p)) {
      throw new ImageDecodeException(uri + ": is a directory");
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
      throw new ImageDecodeException(uri + ": file exceeds the limit of " + maxFileBytes + " bytes");
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
    if (e instanceof Error) { // a decoder's StackOverflowError, LinkageError, ...: name the class
      return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  Row okRow(String uri, ImageResult r, String modelId, String specHash, int[] scales, double decodeMs) {
    Row[] people = new Row[r.people().size()];
    for (int i = 0; i < people.length; i++) {
      Person p = r.people().get(i);
      Row mask = p.mask() == null ? null
          : RowFactory.create(p.mask().height(), p.mask().width(), p.mask().toCompressedString());
      people[i] = RowFactory.create(p.score(), p.keypoints(), p.box(), mask, p.mask() == null ? null : p.mask().area());
    }
    return RowFactory.create(uri, ImageIds.of(uri, cocoIds), r.width(), r.height(), "ok", null, modelId, specHash, scales,
        people, decodeMs + r.decodeMs(), r.forwardMs(), r.postMs(), null);
  }

  Row errorRow(String uri, String error, String errorKind, String modelId, String specHash, int[] scales,
      double decodeMs) {
    return RowFactory.create(uri, ImageIds.of(uri, cocoIds), null, null, "error", error, modelId, specHash, scales,
        new Row[0], decodeMs, 0.0, 0.0, errorKind);
  }
}
