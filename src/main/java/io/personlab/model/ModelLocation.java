package io.personlab.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model and its spec, found from what a user passes as --model: a directory holding
 * {@code personlab-spec.json} (an imported SavedModel), a model file with {@code FILE.spec.json}
 * beside it, a spec file itself, or a shipped model file whose name has a built-in spec.
 *
 * @param spec the spec
 * @param modelPath the model file or SavedModel directory
 */
public record ModelLocation(ModelSpec spec, Path modelPath) {

  public static ModelLocation resolve(String model) {
    Path p = Path.of(model).toAbsolutePath().normalize();
    try {
      if (Files.isDirectory(p)) {
        Path specFile = p.resolve(ModelSpec.DIRECTORY_SPEC);
        if (!Files.isRegularFile(specFile)) {
          throw new IllegalArgumentException(model + ": a model directory needs " + ModelSpec.DIRECTORY_SPEC
              + " (import-model writes it)");
        }
        return fromSpecFile(specFile);
      }
      if (!Files.exists(p)) {
        throw new IllegalArgumentException(model + ": no such model file or directory");
      }
      if (p.getFileName().toString().endsWith(".json")) {
        return fromSpecFile(p);
      }
      Path beside = p.resolveSibling(p.getFileName() + ".spec.json");
      if (Files.isRegularFile(beside)) {
        ModelSpec spec = ModelSpec.read(beside);
        return new ModelLocation(spec, p);
      }
      String builtIn = p.getFileName().toString().replaceFirst("\\.onnx$", "") + ".json";
      try (InputStream in = ModelLocation.class.getResourceAsStream("specs/" + builtIn)) {
        if (in != null) {
          return new ModelLocation(ModelSpec.read(in, "built-in spec " + builtIn), p);
        }
      }
      throw new IllegalArgumentException(model + ": no model spec (put " + beside.getFileName()
          + " beside it; see the README's model spec section)");
    } catch (IOException e) {
      throw new IllegalArgumentException(model + ": cannot read the model spec: " + e.getMessage(), e);
    }
  }

  private static ModelLocation fromSpecFile(Path specFile) throws IOException {
    ModelSpec spec = ModelSpec.read(specFile);
    Path modelPath = specFile.getParent().resolve(spec.modelPath()).normalize();
    if (!Files.exists(modelPath)) {
      throw new IllegalArgumentException(specFile + ": modelPath " + spec.modelPath() + " does not exist");
    }
    return new ModelLocation(spec, modelPath);
  }
}
