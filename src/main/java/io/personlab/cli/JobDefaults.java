package io.personlab.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;

/**
 * Defaults of a job's options from readable files: the project's {@code conf/COMMAND.properties}
 * (packaged into the jar), overridden by a user's file given with {@code --defaults FILE} (a local
 * path, or any Hadoop URI such as s3a:// when Hadoop is on the classpath), overridden in turn by
 * the command line. Keys are option names without dashes ({@code images-per-task = 200}).
 * A preset ({@code --preset NAME}: {@code conf/presets/NAME.properties}, also packaged) sits
 * between the two files: it overrides the project's defaults, a user's file and the command line
 * override it.
 */
final class JobDefaults implements IDefaultValueProvider {
  static final String OPTION = "--defaults";
  static final String PRESET = "--preset";
  private final Properties user;
  private final Properties preset;
  private final Map<String, Properties> builtIn = new ConcurrentHashMap<>();

  private JobDefaults(Properties user, Properties preset) {
    this.user = user;
    this.preset = preset;
  }

  /** The provider for a command line: reads the user's file if the arguments name one. */
  static JobDefaults forArgs(String... args) {
    String file = value(args, OPTION);
    String presetName = value(args, PRESET);
    Properties user = new Properties();
    if (file != null) {
      try (Reader in = new java.io.InputStreamReader(io.personlab.io.Inputs.open(file), StandardCharsets.UTF_8)) {
        user.load(in);
      } catch (IOException e) {
        throw new IllegalArgumentException(file + ": cannot read the defaults file: " + e.getMessage(), e);
      }
    }
    Properties preset = new Properties();
    if (presetName != null) {
      preset = resource("presets/" + presetName);
      if (preset.isEmpty()) {
        throw new IllegalArgumentException("no preset " + presetName + " (conf/presets: fast, balanced, accurate)");
      }
    }
    return new JobDefaults(user, preset);
  }

  /** The last value of an option in the arguments, or null. */
  private static String value(String[] args, String option) {
    String v = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(option) && i + 1 < args.length) {
        v = args[i + 1];
      } else if (args[i].startsWith(option + "=")) {
        v = args[i].substring(option.length() + 1);
      }
    }
    return v;
  }

  /** The project's defaults of a command ({@code conf/NAME.properties}), empty when it has none. */
  static Properties builtIn(String command) {
    return resource(command);
  }

  private static Properties resource(String name) {
    Properties p = new Properties();
    try (InputStream in = JobDefaults.class.getResourceAsStream("/io/personlab/conf/" + name + ".properties")) {
      if (in != null) {
        p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return p;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!arg.isOption() || arg.command() == null) {
      return null;
    }
    String key = ((CommandLine.Model.OptionSpec) arg).longestName().replaceFirst("^-+", "");
    String v = user.getProperty(key);
    if (v == null) {
      v = preset.getProperty(key);
    }
    if (v == null) {
      v = builtIn.computeIfAbsent(arg.command().name(), JobDefaults::builtIn).getProperty(key);
    }
    return v == null || v.isBlank() ? null : v.trim();
  }
}
