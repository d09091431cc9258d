package io.personlab.cli;

import io.personlab.model.tfjs.TfjsImporter;
import io.personlab.model.tfjs.TfjsImporter.ImportResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code personlab import-model}: a TensorFlow.js graph model (PoseNet, BodyPix) -> a TensorFlow
 * SavedModel plus {@code personlab-spec.json}, so the job can run Google's published weights
 * without Node or Python.
 */
@Command(
    name = "import-model",
    mixinStandardHelpOptions = true,
    description = {
      "Imports a TensorFlow.js graph model (model.json + weight shards) into a",
      "TensorFlow SavedModel directory (signature serving_default) and writes a",
      "PersonLab model spec, personlab-spec.json, beside it. Prints one summary line."
    })
public final class ImportModelCommand implements Callable<Integer> {

  @Option(names = "--tfjs", required = true, paramLabel = "MODEL.json", description = "the tfjs graph model")
  Path tfjs;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "SavedModel directory to write")
  Path output;

  @Option(names = "--stride", paramLabel = "S", description = "the network's output stride, recorded in the spec (default: ${DEFAULT-VALUE})")
  int stride = TfjsImporter.DEFAULT_OUTPUT_STRIDE;

  public static void main(String[] args) {
    PersonLab.exit(PersonLab.execute(new ImportModelCommand(), args));
  }

  @Override
  public Integer call() throws IOException {
    long start = System.nanoTime();
    ImportResult r = TfjsImporter.importGraphModel(tfjs, output, stride);
    System.out.printf(Locale.ROOT,
        "imported %s: %d nodes (%d fused rewritten), %d weights (%.1f MiB) -> SavedModel %s, input '%s', outputs %s,"
            + " spec %s (stride %d) in %.1f s%n",
        tfjs, r.nodes(), r.rewrittenNodes(), r.weights(), r.weightBytes() / 1048576.0, r.savedModelDir(), r.inputKey(),
        r.spec().outputs(), r.specFile().getFileName(), r.spec().outputStride(), (System.nanoTime() - start) / 1e9);
    return 0;
  }
}
