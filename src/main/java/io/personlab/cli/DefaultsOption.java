package io.personlab.cli;

import picocli.CommandLine.Option;

/** {@code --defaults FILE}: read by {@link JobDefaults} before parsing; declared so it is accepted and documented. */
final class DefaultsOption {
  @Option(names = JobDefaults.OPTION, paramLabel = "FILE",
      description = "option defaults (KEY = VALUE, keys are option names without dashes) over the project's "
          + "conf/COMMAND.properties; the command line overrides both")
  String defaults;
}
