package io.personlab.model;

import io.personlab.image.ImageDecoder;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Run in a child JVM by {@link EngineThreadsTest}: loads a model with the given engine threads
 * (TensorFlow's pools are per process, so each setting needs a fresh JVM), labels an image a few
 * times, and prints this process's threads by name ("name count" lines, then "total N").
 */
public final class EngineThreadsProbe {
  private EngineThreadsProbe() {}

  public static void main(String[] args) throws Exception {
    String model = args[0];
    int threads = Integer.parseInt(args[1]);
    byte[] image = Files.readAllBytes(Path.of(args[2]));
    try (PersonLabModel m = PersonLabModel.load(ModelLocation.resolve(model), threads);
        PersonLabModel.Session s = m.newSession()) {
      PersonLabPipeline pipeline = new PersonLabPipeline(m.spec(), PipelineConfig.singleScale(513));
      for (int i = 0; i < 3; i++) {
        pipeline.process(new ImageDecoder().decode(image, args[2]), s);
      }
      Map<String, Integer> names = new TreeMap<>();
      int total = 0;
      try (var tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path t : (Iterable<Path>) tasks::iterator) {
          String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+$", "#");
          names.merge(name, 1, Integer::sum);
          total++;
        }
      }
      names.forEach((n, c) -> System.out.println(n + " " + c));
      System.out.println("total " + total);
    }
  }
}
