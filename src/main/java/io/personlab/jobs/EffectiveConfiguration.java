package io.personlab.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A run's effective configuration (its options, model fingerprint, Spark settings and the
 * Hadoop filesystem settings it was given), logged at start and stored with the output as
 * {@code _personlab_run.json}, with secrets redacted as Spark redacts them: any setting whose key
 * or value matches {@code spark.redaction.regex} (default {@code (?i)secret|password|token|access[.]key}),
 * and user info in URIs.
 */
public final class EffectiveConfiguration {
  public static final String FILE_NAME = "_personlab_run.json";
  static final String REDACTED = "*********(redacted)";
  private static final String DEFAULT_REGEX = "(?i)secret|password|token|access[.]key";
  private static final Pattern URI_USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private final ObjectNode root;

  private EffectiveConfiguration(ObjectNode root) {
    this.root = root;
  }

  /** The configuration of a labeling run. */
  static EffectiveConfiguration of(SparkSession spark, LabelJob.Options options, LabelModels models) {
    Pattern secret = Pattern.compile(spark.sparkContext().getConf().get("spark.redaction.regex", DEFAULT_REGEX));
    ObjectNode root = JSON.createObjectNode();
    root.put("job", "label");
    root.set("options", redactTree(JSON.valueToTree(options), secret));
    ObjectNode m = root.putObject("model");
    m.put("given", redactValue("model", options.model(), secret));
    if (models.members().size() == 1) {
      ModelSource model = models.sources().get(0);
      m.put("kind", model.kind().name());
      m.put("sha256", model.contentHash());
    } else {
      // an ensemble: model_id, spec_hash and model_sha256 of its rows stand for these members and weights
      m.put("model_id", models.modelId());
      m.put("spec_hash", models.specHash());
      m.put("sha256", models.contentHash());
      m.put("weights", models.weights().toString());
      var members = m.putArray("members");
      for (int i = 0; i < models.members().size(); i++) {
        ModelStaging.Checked c = models.members().get(i);
        ObjectNode e = members.addObject();
        e.put("given", redactValue("model", options.models().get(i), secret));
        e.put("kind", c.source().kind().name());
        e.put("model_id", c.location().spec().name());
        e.put("spec_hash", c.location().spec().hash());
        e.put("sha256", c.source().contentHash());
        var w = e.putObject("weights");
        for (io.personlab.maps.EnsembleWeights.Head h : io.personlab.maps.EnsembleWeights.Head.values()) {
          w.put(h.name().toLowerCase(java.util.Locale.ROOT), models.weights().weight(h, i));
        }
      }
    }
    Map<String, String> sparkConf = new TreeMap<>();
    for (Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
      sparkConf.put(kv._1(), redactValue(kv._1(), kv._2(), secret));
    }
    root.set("spark", JSON.valueToTree(sparkConf));
    root.set("hadoop", JSON.valueToTree(hadoopSettings(spark.sparkContext().hadoopConfiguration(), secret)));
    return new EffectiveConfiguration(root);
  }

  /** The fs.* settings that differ from Hadoop's defaults (endpoints, credential providers, ...). */
  private static Map<String, String> hadoopSettings(Configuration conf, Pattern secret) {
    Configuration defaults = new Configuration();
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : conf) {
      String k = e.getKey();
      if (k.startsWith("fs.") && !e.getValue().equals(defaults.getRaw(k))) {
        out.put(k, redactValue(k, conf.get(k), secret));
      }
    }
    return out;
  }

  /** A value as it may be shown: redacted when its key or value looks secret. */
  static String redactValue(String key, String value, Pattern secret) {
    if (value == null) {
      return null;
    }
    if (secret.matcher(key).find() || secret.matcher(value).find()) {
      return REDACTED;
    }
    return URI_USER_INFO.matcher(value).replaceAll(REDACTED + "@");
  }

  private static com.fasterxml.jackson.databind.JsonNode redactTree(com.fasterxml.jackson.databind.JsonNode node,
      Pattern secret) {
    if (node instanceof ObjectNode o) {
      var names = new java.util.ArrayList<String>();
      o.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        var child = o.get(name);
        if (child.isTextual()) {
          o.put(name, redactValue(name, child.asText(), secret));
        } else {
          o.set(name, redactTree(child, secret));
        }
      }
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        var child = a.get(i);
        a.set(i, child.isTextual() ? JSON.getNodeFactory().textNode(redactValue("", child.asText(), secret))
            : redactTree(child, secret));
      }
    }
    return node;
  }

  /** Adds a field (counts, timings, the run directory) to what is stored. */
  EffectiveConfiguration with(String field, Object value) {
    root.set(field, JSON.valueToTree(value));
    return this;
  }

  /** One line for the log. */
  String toLogLine() {
    return root.toString();
  }

  /** Writes {@value #FILE_NAME} into a run directory through Hadoop's FileSystem. */
  void writeTo(Configuration conf, String runDirectory) throws IOException {
    Path p = new Path(runDirectory, FILE_NAME);
    try (FSDataOutputStream out = p.getFileSystem(conf).create(p, true)) {
      write(out);
    }
  }

  private void write(OutputStream out) throws IOException {
    out.write(JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
  }
}
