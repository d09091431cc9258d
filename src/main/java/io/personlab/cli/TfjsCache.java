package io.personlab.cli;

import io.personlab.model.tfjs.TfjsImporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A TensorFlow.js graph model given where a model is expected is imported (as
 * {@code import-model} does) into a SavedModel under the temp directory, once per model file
 * version, so that presets can name PoseNet as shipped.
 */
final class TfjsCache {
  private TfjsCache() {}

  /** The SavedModel directory for a tfjs model.json, or {@code model} itself when it is something else. */
  static String savedModelFor(String model) {
    Path p = Path.of(model);
    if (!model.endsWith(".json") || !Files.isRegularFile(p) || !isTfjsGraph(p)) {
      return model;
    }
    try {
      String key = Integer.toHexString((p.toAbsolutePath() + ":" + Files.size(p) + ":"
          + Files.getLastModifiedTime(p).toMillis()).hashCode());
      Path dir = Path.of(System.getProperty("java.io.tmpdir"), "personlab-tfjs-" + key);
      if (!Files.isDirectory(dir)) {
        Path tmp = Files.createTempDirectory("personlab-tfjs-import");
        TfjsImporter.importGraphModel(p, tmp);
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
          if (!Files.isDirectory(dir)) {
            throw raced;
          }
        }
      }
      return dir.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(model + ": cannot import the TensorFlow.js model: " + e.getMessage(), e);
    }
  }

  private static boolean isTfjsGraph(Path p) {
    try (var in = Files.newInputStream(p)) {
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8).contains("\"graph-model\"");
    } catch (IOException e) {
      return false;
    }
  }
}
