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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded PersonLab-family network (DJL: ONNX Runtime or TensorFlow). One instance per model
 * and JVM ({@link #shared}), shared by all threads; each thread runs it through its own
 * {@link Session} (DJL predictors are not thread-safe). Turns an image tensor into
 * {@link PersonLabMaps}: sigmoid on logits, vector channels to the planar layout.
 */
public final class PersonLabModel implements AutoCloseable {
  private static final Map<String, PersonLabModel> SHARED = new ConcurrentHashMap<>();

  private final ModelSpec spec;
  private final Model model;

  private PersonLabModel(ModelSpec spec, Model model) {
    this.spec = spec;
    this.model = model;
  }

  /**
   * The JVM's instance of a model, loaded on first use (thread-safe, loaded once).
   *
   * @param model what --model names (see {@link ModelLocation})
   * @param threads intra-op threads of the engine
   */
  public static PersonLabModel shared(String model, int threads) {
    return shared(model, threads, ai.djl.Device.cpu());
  }

  /** As {@link #shared(String, int)} on a device (a task's GPU on clusters). */
  public static PersonLabModel shared(String model, int threads, ai.djl.Device device) {
    return SHARED.computeIfAbsent(model + "#" + threads + "#" + device,
        key -> load(ModelLocation.resolve(model), threads, device));
  }

  /** Loads a model; the caller closes it. */
  public static PersonLabModel load(ModelLocation location, int threads) {
    return load(location, threads, ai.djl.Device.cpu());
  }

  /** Loads a model on a device; the caller closes it. */
  public static PersonLabModel load(ModelLocation location, int threads, ai.djl.Device device) {
    ModelSpec spec = location.spec();
    System.setProperty("ai.djl.offline", "true"); // never download engines or models, whoever starts the JVM
    Model m = null;
    try {
      Engine.getEngine(spec.engine());
      m = Model.newInstance(spec.name(), device, spec.engine());
      Map<String, Object> options = new HashMap<>();
      if (spec.engine().equals("OnnxRuntime")) {
        ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions();
        so.setIntraOpNumThreads(threads);
        so.setInterOpNumThreads(1);
        options.put("sessionOptions", so);
      }
      m.load(location.modelPath(), null, options);
      return new PersonLabModel(spec, m);
    } catch (Exception | UnsatisfiedLinkError e) {
      if (m != null) {
        m.close();
      }
      throw new IllegalArgumentException(location.modelPath() + ": cannot load the model with "
          + spec.engine() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    }
  }

  public ModelSpec spec() {
    return spec;
  }

  /** A per-thread session; close it when the thread is done. */
  public Session newSession() {
    return new Session(model.newPredictor(new NoopTranslator()));
  }

  @Override
  public void close() {
    model.close();
  }

  /** One thread's use of the model. */
  public final class Session implements AutoCloseable {
    private final Predictor<NDList, NDList> predictor;

    private Session(Predictor<NDList, NDList> predictor) {
      this.predictor = predictor;
    }

    /** Runs the network on one input and reads its outputs as PersonLab maps. */
    public PersonLabMaps run(NetworkInput input) {
      Map<String, float[]> out = new HashMap<>();
      Map<String, long[]> shapes = new HashMap<>();
      try (NDManager manager = model.getNDManager().newSubManager()) {
        NDArray in = manager.create(FloatBuffer.wrap(input.data()), new Shape(1, input.height(), input.width(), 3));
        in.setName(spec.inputName());
        NDList result = predictor.predict(new NDList(in));
        for (NDArray a : result) {
          out.put(a.getName(), a.toFloatArray());
          shapes.put(a.getName(), a.getShape().getShape());
        }
      } catch (TranslateException e) {
        throw new IllegalStateException(spec.name() + ": inference failed: " + e.getMessage(), e);
      }
      return toMaps(out, shapes, input);
    }

    @Override
    public void close() {
      predictor.close();
    }
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
