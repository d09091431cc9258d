package io.personlab.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates ../shared (the models, COCO images and reference numbers every developer and CI run
 * has beside the repository). Override with -Dpersonlab.shared=DIR. Missing data is a failure,
 * never a skip: a test that silently skips proves nothing.
 */
public final class SharedData {
  private SharedData() {}

  public static Path root() {
    String override = System.getProperty("personlab.shared");
    Path root = override != null ? Path.of(override) : Path.of("..", "shared");
    root = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("shared data not found at " + root
          + ": tests need ../shared beside the repository (or -Dpersonlab.shared=DIR)");
    }
    return root;
  }

  public static Path path(String relative) {
    Path p = root().resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing shared file " + p);
    }
    return p;
  }

  public static Path cocoEval() {
    return path("reference/coco-eval");
  }
}
