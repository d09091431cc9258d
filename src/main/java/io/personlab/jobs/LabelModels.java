package io.personlab.jobs;

import io.personlab.maps.EnsembleWeights;
import io.personlab.model.ModelSpec;
import io.personlab.pipeline.PersonLabPipeline;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The network(s) of a labeling run, found and checked on the driver: one model, or an ensemble
 * whose maps are averaged per head with {@link EnsembleWeights} (as {@code infer} does).
 *
 * <p>Identity: one model keeps the identity it always had (its spec's name as {@code model_id},
 * its spec hash, the SHA-256 of its bytes). An ensemble's {@code model_id} is the members' spec
 * names joined with "+", its {@code spec_hash} a hash over the members' spec hashes (in order)
 * and the canonical weights, and its content hash (column {@code model_sha256}, part of the
 * {@code config_id}) a SHA-256 over the members' SHA-256 (in order) and the weights. So the
 * configuration changes with any member's bytes, the weights and the members' order.
 */
public record LabelModels(List<ModelStaging.Checked> members, EnsembleWeights weights) {

  /** Resolves and checks every model of the options, then the weights and whether the networks can be merged. */
  static LabelModels resolve(SparkSession spark, LabelJob.Options o) {
    List<String> given = o.models();
    if (given.isEmpty()) {
      throw new IllegalArgumentException("no --model given");
    }
    List<ModelStaging.Checked> members = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      try {
        members.add(ModelStaging.resolve(spark, given.get(i)));
      } catch (RuntimeException e) {
        throw given.size() == 1 ? e
            : new IllegalArgumentException("--model #" + (i + 1) + " of the ensemble: " + e.getMessage(), e);
      }
    }
    EnsembleWeights weights;
    try {
      weights = o.modelWeights() == null ? EnsembleWeights.equal(given.size())
          : EnsembleWeights.parse(o.modelWeights(), given.size());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--model-weights " + o.modelWeights() + " for " + given.size() + " models "
          + given + ": " + e.getMessage(), e);
    }
    LabelModels m = new LabelModels(List.copyOf(members), weights);
    m.checkMergeable(given, o);
    return m;
  }

  /** Networks whose maps cannot be merged (other keypoints or edges, a needed head weighed 0) fail here, naming them. */
  private void checkMergeable(List<String> given, LabelJob.Options o) {
    List<ModelSpec> specs = specs();
    for (int i = 1; i < specs.size(); i++) {
      if (!specs.get(i).skeleton().equals(specs.get(0).skeleton())) {
        throw new IllegalArgumentException("the ensemble's grids cannot be merged: " + given.get(i) + " ("
            + specs.get(i).name() + ") has other keypoints or edges than " + given.get(0) + " (" + specs.get(0).name()
            + ")");
      }
    }
    for (EnsembleWeights.Head head : new EnsembleWeights.Head[] {
        EnsembleWeights.Head.HEATMAPS, EnsembleWeights.Head.SHORT, EnsembleWeights.Head.MID}) {
      double total = 0;
      for (int i = 0; i < specs.size(); i++) {
        total += weights.weight(head, i);
      }
      if (total == 0) {
        throw new IllegalArgumentException("--model-weights " + o.modelWeights() + ": head "
            + head.name().toLowerCase(java.util.Locale.ROOT) + " has weight 0 in every network of " + given);
      }
    }
    for (EnsembleWeights.Head head : new EnsembleWeights.Head[] {EnsembleWeights.Head.SEGMENTATION,
        EnsembleWeights.Head.LONG}) {
      boolean any = false;
      double total = 0;
      for (int i = 0; i < specs.size(); i++) {
        if (specs.get(i).hasMaskHeads()) {
          any = true;
          total += weights.weight(head, i);
        }
      }
      if (any && total == 0) {
        throw new IllegalArgumentException("--model-weights " + o.modelWeights() + ": head "
            + head.name().toLowerCase(java.util.Locale.ROOT) + " has weight 0 in every network of " + given
            + " that has it");
      }
    }
    // the decoder's skeleton and the weights' count, as every executor will build it
    new PersonLabPipeline(specs, weights, o.pipeline());
  }

  public List<ModelSource> sources() {
    return members.stream().map(ModelStaging.Checked::source).toList();
  }

  public List<ModelSpec> specs() {
    return members.stream().map(c -> c.location().spec()).toList();
  }

  /** {@code model_id}: the spec name, or the members' joined with "+". */
  public String modelId() {
    return modelId(specs());
  }

  /** {@code spec_hash}: the spec's hash, or the ensemble's (members' spec hashes and the weights). */
  public String specHash() {
    return specHash(specs(), weights);
  }

  /** The SHA-256 of the model's bytes, or the ensemble's (members' SHA-256 and the weights). */
  public String contentHash() {
    return contentHash(sources().stream().map(ModelSource::contentHash).toList(), weights);
  }

  /** The content hash of models whose bytes have these SHA-256 (one: itself). */
  static String contentHash(List<String> sha256s, EnsembleWeights weights) {
    if (sha256s.size() == 1) {
      return sha256s.get(0);
    }
    StringBuilder b = new StringBuilder("ensemble;members=");
    for (String s : sha256s) {
      b.append(s).append(',');
    }
    return LabelTable.sha256(b.append(";weights=").append(weights).toString());
  }

  static String modelId(List<ModelSpec> specs) {
    return String.join("+", specs.stream().map(ModelSpec::name).toList());
  }

  static String specHash(List<ModelSpec> specs, EnsembleWeights weights) {
    return combinedSpecHash(specs.stream().map(ModelSpec::hash).toList(), weights);
  }

  /** The spec hash of models with these spec hashes (one: itself). */
  static String combinedSpecHash(List<String> specHashes, EnsembleWeights weights) {
    if (specHashes.size() == 1) {
      return specHashes.get(0);
    }
    StringBuilder b = new StringBuilder("ensemble;specs=");
    for (String s : specHashes) {
      b.append(s).append(',');
    }
    return LabelTable.sha256(b.append(";weights=").append(weights).toString()).substring(0, 16);
  }
}
