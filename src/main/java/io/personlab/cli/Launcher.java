package io.personlab.cli;

import java.nio.file.Path;

/** Where the launcher says the project lives, and the shared data beside it. */
final class Launcher {
  private Launcher() {}

  /** The project root: -Dpersonlab.home (set by jobs/personlab), else the working directory. */
  static Path home() {
    String home = System.getProperty("personlab.home");
    return (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
  }

  /** ../shared beside the project, or -Dpersonlab.shared. */
  static Path sharedDir() {
    String shared = System.getProperty("personlab.shared");
    return shared != null ? Path.of(shared).toAbsolutePath() : home().resolve("../shared").normalize();
  }
}
