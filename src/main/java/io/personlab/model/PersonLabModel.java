package io.personlab.model;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.personlab.image.NetworkInput;
import io.personlab.maps.Grid;
import io.personlab.maps.PersonLabMaps;
import io.personlab.maps.VectorField;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A loaded PersonLab-family network (DJL: ONNX Runtime or TensorFlow), shared by threads; each
 * thread runs it through its own {@link Session} (DJL predictors are not thread-safe). Turns an
 * image tensor into {@link PersonLabMaps}: sigmoid on logits, vector channels to the planar layout.
 *
 * <p>Per-JVM sharing: {@link #openShared} hands out a session of the JVM's one instance of a
 * model (loaded on first use). The instance counts its open sessions; when the last one closes it
 * stays loaded for an idle period (system property {@value #IDLE_PROPERTY}, seconds, default
 * {@value #DEFAULT_IDLE_SECONDS}), so that the next task of the same job reuses it, and is then
 * closed and dropped from the cache (a later job with another model does not keep the first one
 * loaded forever). A session opened meanwhile cancels the close. All of it under one lock, so
 * several concurrent tasks of an executor JVM never see a model closed under an open session.
 * {@link #shared} is the same cache for one-process commands that keep the model for their whole
 * life: such an instance is pinned (never closed for idleness). At JVM shutdown the shared models
 * that no session uses are closed.
 */
public final class PersonLabModel implements AutoCloseable {
  /** System property: seconds a shared model without sessions stays loaded. */
  public static final String IDLE_PROPERTY = "personlab.model.idleCloseSeconds";
  public static final long DEFAULT_IDLE_SECONDS = 60;

  private static final Object LOCK = new Object();
  private static final Map<String, PersonLabModel> SHARED = new HashMap<>(); // guarded by LOCK
  private static ScheduledExecutorService closer; // guarded by LOCK, started with the first shared model

  private final ModelSpec spec;
  private final Model model;
  private final String sharedKey; // null: the caller owns and closes it
  // guarded by LOCK
  private int sessions;
  private boolean pinned;
  private boolean closed;
  private ScheduledFuture<?> pendingClose;

  private PersonLabModel(ModelSpec spec, Model model, String sharedKey) {
    this.spec = spec;
    this.model = model;
    this.sharedKey = sharedKey;
  }

  /**
   * The JVM's instance of a model, loaded on first use (thread-safe, loaded once) and kept for
   * the life of the JVM (pinned): for commands that use one model until they exit. Jobs use
   * {@link #openShared}.
   *
   * @param model what --model names (see {@link ModelLocation})
   * @param threads intra-op threads of the engine
   */
  public static PersonLabModel shared(String model, int threads) {
    return shared(model, threads, ai.djl.Device.cpu());
  }

  /** As {@link #shared(String, int)} on a device (a task's GPU on clusters). */
  public static PersonLabModel shared(String model, int threads, ai.djl.Device device) {
    synchronized (LOCK) {
      PersonLabModel m = cached(model, threads, device);
      m.pinned = true;
      m.cancelPendingClose();
      return m;
    }
  }

  /**
   * A session of the JVM's shared instance of a model (loaded if absent, or if the cached one was
   * closed for idleness). Closing the session releases the instance: once no session uses it, it
   * is closed after the idle period. {@link Session#model()} gives the instance.
   */
  public static Session openShared(String model, int threads, ai.djl.Device device) {
    PersonLabModel m;
    synchronized (LOCK) {
      m = cached(model, threads, device);
      m.sessions++; // counted under the lock that closing takes: it cannot be closed from here on
      m.cancelPendingClose();
    }
    return m.sessionCounted();
  }

  /**
   * Closes now every shared instance that no session uses and that is not pinned by
   * {@link #shared} (instead of after the idle period); returns how many were closed.
   */
  public static int closeIdleShared() {
    List<PersonLabModel> idle = new ArrayList<>();
    synchronized (LOCK) {
      for (PersonLabModel m : new ArrayList<>(SHARED.values())) {
        if (m.sessions == 0 && !m.pinned) {
          m.markClosed();
          idle.add(m);
        }
      }
    }
    idle.forEach(m -> m.model.close());
    return idle.size();
  }

  private static PersonLabModel cached(String model, int threads, ai.djl.Device device) {
    String key = model + "#" + threads + "#" + device;
    PersonLabModel m = SHARED.get(key);
    if (m == null) { // loaded under the lock: the tasks that want it wait for it anyway
      m = load(ModelLocation.resolve(model), threads, device, key);
      SHARED.put(key, m);
      if (closer == null) {
        closer = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "personlab-model-closer");
          t.setDaemon(true);
          return t;
        });
        Runtime.getRuntime().addShutdownHook(new Thread(PersonLabModel::closeUnusedAtExit, "personlab-model-exit"));
      }
    }
    return m;
  }

  /** At JVM exit: closes the shared models no session uses (one in use may still be running). */
  private static void closeUnusedAtExit() {
    List<PersonLabModel> unused = new ArrayList<>();
    synchronized (LOCK) {
      for (PersonLabModel m : new ArrayList<>(SHARED.values())) {
        if (m.sessions == 0) {
          m.markClosed();
          unused.add(m);
        }
      }
    }
    for (PersonLabModel m : unused) {
      try {
        m.model.close();
      } catch (RuntimeException e) {
        // exiting anyway
      }
    }
  }

  /** Loads a model; the caller closes it. */
  public static PersonLabModel load(ModelLocation location, int threads) {
    return load(location, threads, ai.djl.Device.cpu());
  }

  /** Loads a model on a device; the caller closes it. */
  public static PersonLabModel load(ModelLocation location, int threads, ai.djl.Device device) {
    return load(location, threads, device, null);
  }

  private static PersonLabModel load(ModelLocation location, int threads, ai.djl.Device device, String sharedKey) {
    ModelSpec spec = location.spec();
    System.setProperty("ai.djl.offline", "true"); // never download engines or models, whoever starts the JVM
    Model m = null;
    try {
      Map<String, Object> options = new HashMap<>();
      if (spec.engine().equals("TensorFlow")) {
        TensorFlowThreads.beforeEngineStart(threads);
      }
      Engine.getEngine(spec.engine());
      m = Model.newInstance(spec.name(), device, spec.engine());
      if (spec.engine().equals("OnnxRuntime")) {
        // DJL applies these to the SessionOptions it owns and closes with the model (options
        // passed in as a "sessionOptions" object would never be closed: DJL closes only its own)
        options.put("intraOpNumThreads", String.valueOf(threads));
        options.put("interOpNumThreads", "1");
      } else {
        options.put("ConfigProto", TensorFlowThreads.sessionConfig(threads));
      }
      java.nio.file.Path file = location.modelPath();
      if (spec.engine().equals("OnnxRuntime") && java.nio.file.Files.isRegularFile(file)) {
        // with its batch dimension open, so that a GPU can run several images per forward
        byte[] graph = OnnxBatchDimension.open(java.nio.file.Files.readAllBytes(file));
        m.load(new java.io.ByteArrayInputStream(graph), options);
      } else {
        m.load(file, null, options);
      }
      return new PersonLabModel(spec, m, sharedKey);
    } catch (Exception | UnsatisfiedLinkError e) {
      if (m != null) {
        m.close();
      }
      throw new IllegalArgumentException(location.modelPath() + ": cannot load the model with "
          + spec.engine() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }
  }

  /**
   * TensorFlow's thread pools. TF sizes its process-wide intra-op and inter-op pools when its first
   * session or eager context starts, and DJL starts an eager context with the engine, configured
   * from the system properties {@code ai.djl.tensorflow.num_intraop_threads} and
   * {@code num_interop_threads}: they are set here (unless given explicitly) before the engine
   * starts, and every SavedModel session gets the same numbers in its ConfigProto. So the first
   * TensorFlow model of a JVM fixes its threads; without this each TF session used every core.
   * Kept apart so that ONNX-only JVMs never load a TensorFlow class.
   */
  private static final class TensorFlowThreads {
    static void beforeEngineStart(int threads) {
      if (threads > 0 && System.getProperty("ai.djl.tensorflow.num_intraop_threads") == null) {
        System.setProperty("ai.djl.tensorflow.num_intraop_threads", String.valueOf(threads));
      }
      if (threads > 0 && System.getProperty("ai.djl.tensorflow.num_interop_threads") == null) {
        System.setProperty("ai.djl.tensorflow.num_interop_threads", "1");
      }
    }

    static Object sessionConfig(int threads) {
      org.tensorflow.proto.ConfigProto.Builder b =
          ai.djl.tensorflow.engine.javacpp.JavacppUtils.getSessionConfig().toBuilder();
      if (threads > 0) {
        b.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
      }
      return b.build();
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  /** A per-thread session; close it when the thread is done. */
  public Session newSession() {
    synchronized (LOCK) {
      if (closed) {
        throw new IllegalStateException(spec.name() + ": the model is closed");
      }
      sessions++;
      cancelPendingClose();
    }
    return sessionCounted();
  }

  private Session sessionCounted() {
    try {
      return new Session(model.newPredictor(new NoopTranslator()));
    } catch (RuntimeException | Error e) {
      released();
      throw e;
    }
  }

  /** Whether the model has been closed (by its owner, or by the shared cache once unused). */
  public boolean isClosed() {
    synchronized (LOCK) {
      return closed;
    }
  }

  /** Sessions open on this instance now. */
  public int openSessions() {
    synchronized (LOCK) {
      return sessions;
    }
  }

  /** Closes the model (a shared instance is dropped from the cache; open sessions then fail). */
  @Override
  public void close() {
    synchronized (LOCK) {
      if (closed) {
        return;
      }
      markClosed();
    }
    model.close();
  }

  private void markClosed() { // under LOCK
    closed = true;
    cancelPendingClose();
    if (sharedKey != null && SHARED.get(sharedKey) == this) {
      SHARED.remove(sharedKey);
    }
  }

  private void cancelPendingClose() { // under LOCK
    if (pendingClose != null) {
      pendingClose.cancel(false);
      pendingClose = null;
    }
  }

  private void released() {
    synchronized (LOCK) {
      sessions--;
      if (sessions > 0 || sharedKey == null || pinned || closed) {
        return;
      }
      long idle = Math.max(0, Long.getLong(IDLE_PROPERTY, DEFAULT_IDLE_SECONDS));
      cancelPendingClose();
      pendingClose = closer.schedule(this::closeIfIdle, idle, TimeUnit.SECONDS);
    }
  }

  private void closeIfIdle() {
    synchronized (LOCK) {
      if (closed || sessions > 0 || pinned) {
        return;
      }
      pendingClose = null;
      markClosed();
    }
    model.close();
  }

  /** One thread's use of the model. */
  public final class Session implements AutoCloseable {
    private final Predictor<NDList, NDList> predictor;
    private boolean batchRefused; // this thread's network refused a batch once: one image per forward
    private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

    private Session(Predictor<NDList, NDList> predictor) {
      this.predictor = predictor;
    }

    /** The model this session runs. */
    public PersonLabModel model() {
      return PersonLabModel.this;
    }

    /** Whether batches run as one forward (false once the network refused one: then image by image). */
    public boolean runsBatches() {
      return !batchRefused;
    }

    /** Runs the network on one input and reads its outputs as PersonLab maps. */
    public PersonLabMaps run(NetworkInput input) {
      return forward(List.of(input)).get(0);
    }

    /**
     * Runs the network on inputs of one size as one batch (one forward for all of them: what a
     * GPU wants) and reads each image's maps. A network that cannot take a batch (its graph pins
     * the batch to 1) runs them one at a time from then on, with the same results.
     */
    public List<PersonLabMaps> run(List<NetworkInput> inputs) {
      if (inputs.isEmpty()) {
        return List.of();
      }
      NetworkInput first = inputs.get(0);
      for (NetworkInput in : inputs) {
        if (in.height() != first.height() || in.width() != first.width()) {
          throw new IllegalArgumentException("a batch needs inputs of one size: " + first.height() + "x"
              + first.width() + " and " + in.height() + "x" + in.width());
        }
      }
      if (inputs.size() > 1 && !batchRefused) {
        try {
          return forward(inputs);
        } catch (IllegalStateException e) {
          batchRefused = true;
          System.err.println("personlab: " + spec.name() + " cannot run batches (" + e.getMessage()
              + "); running one image per forward");
        }
      }
      List<PersonLabMaps> maps = new ArrayList<>(inputs.size());
      for (NetworkInput in : inputs) {
        maps.add(forward(List.of(in)).get(0));
      }
      return maps;
    }

    private List<PersonLabMaps> forward(List<NetworkInput> inputs) {
      int n = inputs.size();
      NetworkInput first = inputs.get(0);
      Map<String, float[]> out = new HashMap<>();
      Map<String, long[]> shapes = new HashMap<>();
      try (NDManager manager = model.getNDManager().newSubManager()) {
        int size = first.data().length;
        FloatBuffer batch;
        if (n == 1) {
          batch = FloatBuffer.wrap(first.data());
        } else {
          batch = FloatBuffer.allocate(n * size);
          for (NetworkInput in : inputs) {
            batch.put(in.data());
          }
          batch.flip();
        }
        NDArray in = manager.create(batch, new Shape(n, first.height(), first.width(), 3));
        in.setName(spec.inputName());
        NDList result = predictor.predict(new NDList(in));
        for (NDArray a : result) {
          out.put(a.getName(), a.toFloatArray());
          shapes.put(a.getName(), a.getShape().getShape());
        }
      } catch (TranslateException | ai.djl.engine.EngineException e) {
        throw new IllegalStateException(spec.name() + ": inference failed: " + e.getMessage(), e);
      }
      List<PersonLabMaps> maps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        maps.add(toMaps(image(out, shapes, i, n), perImage(shapes, n), inputs.get(i)));
      }
      return maps;
    }

    /** Closes the predictor and releases the model (idempotent). */
    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        try {
          predictor.close();
        } finally {
          released();
        }
      }
    }
  }

  /** Image i's part of each output of a batch of n (outputs are NHWC, batch first). */
  private static Map<String, float[]> image(Map<String, float[]> out, Map<String, long[]> shapes, int i, int n) {
    if (n == 1) {
      return out;
    }
    Map<String, float[]> one = new HashMap<>();
    for (Map.Entry<String, float[]> e : out.entrySet()) {
      long[] s = shapes.get(e.getKey());
      if (s.length == 0 || s[0] != n) {
        throw new IllegalStateException("output " + e.getKey() + " has shape " + java.util.Arrays.toString(s)
            + " for a batch of " + n);
      }
      int each = e.getValue().length / n;
      one.put(e.getKey(), java.util.Arrays.copyOfRange(e.getValue(), i * each, (i + 1) * each));
    }
    return one;
  }

  /** The shapes of one image's outputs: the batch dimension set to 1. */
  private static Map<String, long[]> perImage(Map<String, long[]> shapes, int n) {
    if (n == 1) {
      return shapes;
    }
    Map<String, long[]> one = new HashMap<>();
    shapes.forEach((name, s) -> {
      long[] c = s.clone();
      c[0] = 1;
      one.put(name, c);
    });
    return one;
  }

  private PersonLabMaps toMaps(Map<String, float[]> out, Map<String, long[]> shapes, NetworkInput input) {
    long[] hs = shape(shapes, ModelSpec.HEATMAPS);
    int h = (int) hs[1], w = (int) hs[2], k = (int) hs[3];
    Grid grid = new Grid(h, w, spec.outputStride());
    float[] heat = PersonLabMaps.planesFromNhwc(tensor(out, ModelSpec.HEATMAPS), grid, k);
    if (spec.logits()) {
      PersonLabMaps.sigmoidInPlace(heat);
    }
    VectorField shortO = vectors(out, shapes, ModelSpec.SHORT, grid);
    VectorField fwd = vectors(out, shapes, ModelSpec.MID_FORWARD, grid);
    VectorField bwd = vectors(out, shapes, ModelSpec.MID_BACKWARD, grid);
    float[] seg = null;
    VectorField longO = null;
    if (spec.hasMaskHeads()) {
      seg = PersonLabMaps.planesFromNhwc(tensor(out, ModelSpec.SEGMENTATION), grid, 1);
      if (spec.logits()) {
        PersonLabMaps.sigmoidInPlace(seg);
      }
      longO = vectors(out, shapes, ModelSpec.LONG, grid);
    }
    return new PersonLabMaps(grid, k, heat, shortO, fwd, bwd, seg, longO, input.transform());
  }

  private VectorField vectors(Map<String, float[]> out, Map<String, long[]> shapes, String role, Grid grid) {
    long[] s = shape(shapes, role);
    if (s[1] != grid.height() || s[2] != grid.width() || s[3] % 2 != 0) {
      throw new IllegalStateException(spec.name() + ": output " + spec.outputs().get(role) + " has shape "
          + java.util.Arrays.toString(s) + ", expected [1, " + grid.height() + ", " + grid.width() + ", 2n]");
    }
    return VectorField.fromNhwc(tensor(out, role), grid, (int) (s[3] / 2), spec.channelLayout(), 1f);
  }

  private float[] tensor(Map<String, float[]> out, String role) {
    float[] t = out.get(spec.outputs().get(role));
    if (t == null) {
      throw new IllegalStateException(spec.name() + ": the model has no output '" + spec.outputs().get(role)
          + "' (role " + role + "); it has " + out.keySet());
    }
    return t;
  }

  private long[] shape(Map<String, long[]> shapes, String role) {
    long[] s = shapes.get(spec.outputs().get(role));
    if (s == null || s.length != 4 || s[0] != 1) {
      throw new IllegalStateException(spec.name() + ": output for role " + role + " is not NHWC [1, h, w, c]");
    }
    return s;
  }
}
