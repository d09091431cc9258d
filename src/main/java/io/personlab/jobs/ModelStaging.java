package io.personlab.jobs;

import io.personlab.model.ModelLocation;
import io.personlab.model.ModelSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Makes what {@code --model} names usable on every process of a job, wherever the processes run.
 *
 * <p>{@code --model} is a local path (a model file, a model file with {@code NAME.spec.json}
 * beside it, a SavedModel directory), a URI of any Hadoop filesystem ({@code s3a://},
 * {@code hdfs://}, {@code gs://}; the same, or a {@code .zip}/{@code .tar.gz}/{@code .tgz}/{@code
 * .tar} archive of a SavedModel directory), or the name of a file or archive shipped with
 * spark-submit's {@code --files}/{@code --archives}. The driver checks it through the same
 * Hadoop FileSystem API the executors use, before anything is listed. A remote model is copied
 * once per host into a local cache ({@code -Dpersonlab.model.cache}, env {@code
 * PERSONLAB_MODEL_CACHE}, default {@code java.io.tmpdir/personlab-models}) under its content hash:
 * concurrent tasks of a JVM wait for one copy, JVMs on one host publish theirs with an atomic
 * rename, and a copy whose hash differs from the driver's is refused.
 */
public final class ModelStaging {
  public static final String CACHE_PROPERTY = "personlab.model.cache";
  private static final String[] ARCHIVE_SUFFIXES = {".tar.gz", ".tgz", ".tar", ".zip"};
  /** content hash -> local path, per JVM: tasks share one copy. */
  private static final Map<String, String> STAGED = new ConcurrentHashMap<>();
  /** imported SavedModels of TensorFlow.js models (HASH-savedmodel in the cache), per JVM: imports one at a time. */
  private static final Map<String, String> IMPORTED = new ConcurrentHashMap<>();

  private ModelStaging() {}

  /**
   * On the driver: where the model is, checked (the spec read and matched to the model file), so
   * that a wrong URI, a missing spec or a corrupt archive is one error naming it.
   */
  public static Checked resolve(SparkSession spark, String model) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    boolean localMaster = spark.sparkContext().isLocal();
    String scheme = new Path(model).toUri().getScheme();
    if (scheme != null && !scheme.equals("file")) {
      Staged staged = stage(model, conf, null);
      // the spec checked on the driver (a TensorFlow.js graph model imported first)
      ModelLocation location = ModelLocation.resolve(usable(staged.localPath(), staged.hash()));
      STAGED.put(staged.hash(), staged.localPath());
      return new Checked(new ModelSource(ModelSource.Kind.REMOTE, model, staged.hash()), location);
    }
    java.nio.file.Path local = java.nio.file.Path.of(new Path(model).toUri().getPath());
    if (Files.exists(local)) {
      String hash = localHash(local);
      ModelLocation location = ModelLocation.resolve(usable(local.toString(), hash));
      if (localMaster) {
        return new Checked(new ModelSource(ModelSource.Kind.LOCAL, local.toAbsolutePath().normalize().toString(), hash),
            location);
      }
      if (isTfjsGraph(local)) {
        // A TensorFlow.js model on the driver's disk only: its model.json and weight files shipped
        // through Spark's file server, side by side in each executor's SparkFiles root, imported there.
        spark.sparkContext().addFile(local.toAbsolutePath().toString());
        try (InputStream in = Files.newInputStream(local)) {
          for (String w : tfjsWeightFiles(in)) {
            if (w.contains("/")) {
              throw new IllegalArgumentException(model + ": weight file " + w + " is in a subfolder; put the model in a "
                  + "shared store (--model s3a://... or hdfs://...)");
            }
            spark.sparkContext().addFile(local.resolveSibling(w).toAbsolutePath().toString());
          }
        } catch (IOException e) {
          throw new UncheckedIOException(model + ": cannot read the model: " + e.getMessage(), e);
        }
        return new Checked(new ModelSource(ModelSource.Kind.SHIPPED, local.getFileName().toString(), hash), location);
      }
      if (!Files.isRegularFile(local) || !location.modelPath().equals(local.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException(model + ": a local model directory or spec cannot reach executors on "
            + "other hosts; put it in a shared store (--model s3a://... or hdfs://...) or ship an archive "
            + "(--archives MODEL.tgz#NAME --model NAME)");
      }
      // A model file on the driver's disk only: shipped through Spark's file server.
      spark.sparkContext().addFile(local.toAbsolutePath().toString());
      java.nio.file.Path spec = local.resolveSibling(local.getFileName() + ".spec.json");
      if (Files.isRegularFile(spec)) {
        spark.sparkContext().addFile(spec.toAbsolutePath().toString());
      }
      return new Checked(new ModelSource(ModelSource.Kind.SHIPPED, local.getFileName().toString(), hash), location);
    }
    // Not on this disk: a name given with --files/--archives?
    if (scheme == null && !local.isAbsolute()) {
      String shippedFrom = shippedSource(spark.sparkContext().getConf(), model);
      java.nio.file.Path inRoot = sparkFilesRoot() == null ? null : java.nio.file.Path.of(sparkFilesRoot(), model);
      if (inRoot != null && Files.exists(inRoot)) {
        String hash = localHash(inRoot);
        return new Checked(new ModelSource(ModelSource.Kind.SHIPPED, model, hash),
            ModelLocation.resolve(usable(inRoot.toString(), hash)));
      }
      if (shippedFrom != null) {
        // YARN client mode: files go to the containers only; check the source the user gave.
        Staged staged = stage(shippedFrom, conf, null);
        return new Checked(new ModelSource(ModelSource.Kind.SHIPPED, model, staged.hash()),
            ModelLocation.resolve(usable(staged.localPath(), staged.hash())));
      }
    }
    throw new IllegalArgumentException(model + ": no such model file or directory (a model on a cluster: "
        + "--model s3a://..., hdfs://..., gs://..., or ship it with --files/--archives and name it here)");
  }

  /** On an executor (or the driver in local mode): a local path for {@link ModelLocation#resolve}. */
  public static String localPath(ModelSource source, Configuration conf) {
    return usable(fetched(source, conf), source.contentHash());
  }

  private static String fetched(ModelSource source, Configuration conf) {
    return switch (source.kind()) {
      case LOCAL -> source.location();
      case SHIPPED -> shippedPath(source.location());
      // one copy at a time per model (others wait); a copy removed since (a cleaned /tmp) is redone
      case REMOTE -> STAGED.compute(source.contentHash(), (hash, known) ->
          known != null && Files.exists(java.nio.file.Path.of(known)) ? known
              : stage(source.location(), conf, hash).localPath());
    };
  }

  /**
   * What a model engine loads for a local copy: the copy itself, or for a TensorFlow.js graph
   * model ({@code posenet.json} with its weight files beside it) the SavedModel that
   * {@code import-model} makes of it, imported once per host into the cache under the model's
   * content hash ({@code HASH-savedmodel}; JVMs publish theirs with an atomic rename).
   */
  static String usable(String localPath, String hash) {
    java.nio.file.Path p = java.nio.file.Path.of(localPath);
    if (!isTfjsGraph(p)) {
      return localPath;
    }
    java.nio.file.Path cache = cacheRoot();
    java.nio.file.Path target = cache.resolve(hash + "-savedmodel");
    // one import at a time per model (others wait); one removed since (a cleaned /tmp) is redone
    return IMPORTED.compute(target.toString(), (key, known) -> {
      if (Files.isRegularFile(target.resolve(ModelSpec.DIRECTORY_SPEC))) {
        return key;
      }
      try {
        Files.createDirectories(cache);
        java.nio.file.Path tmp = Files.createTempDirectory(cache, ".importing-");
        try {
          io.personlab.model.tfjs.TfjsImporter.importGraphModel(p, tmp);
          try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          } catch (FileSystemException e) {
            if (!Files.isDirectory(target)) {
              throw e;
            }
          }
        } finally {
          if (Files.exists(tmp)) {
            deleteTree(tmp);
          }
        }
        return target.toString();
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(localPath + ": cannot import the TensorFlow.js model: " + e.getMessage(), e);
      }
    });
  }

  /** A TensorFlow.js graph model's model.json (as opposed to a spec or other JSON). */
  static boolean isTfjsGraph(java.nio.file.Path p) {
    if (!p.getFileName().toString().endsWith(".json") || !Files.isRegularFile(p)
        || p.getFileName().toString().endsWith(".spec.json")) {
      return false;
    }
    try (InputStream in = Files.newInputStream(p)) {
      return isTfjsGraph(in.readNBytes(4096));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isTfjsGraph(byte[] head) {
    return new String(head, StandardCharsets.UTF_8).contains("\"graph-model\"");
  }

  /** The weight files a TensorFlow.js model.json names (paths relative to its directory). */
  static List<String> tfjsWeightFiles(InputStream modelJson) throws IOException {
    List<String> out = new ArrayList<>();
    var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(modelJson);
    for (var group : tree.path("weightsManifest")) {
      for (var path : group.path("paths")) {
        out.add(path.asText());
      }
    }
    return out;
  }

  private static String shippedPath(String name) {
    // YARN: the container's working directory; standalone and local: the SparkFiles root.
    java.nio.file.Path cwd = java.nio.file.Path.of(name).toAbsolutePath();
    if (Files.exists(cwd)) {
      return cwd.toString();
    }
    String root = sparkFilesRoot();
    if (root != null && Files.exists(java.nio.file.Path.of(root, name))) {
      return java.nio.file.Path.of(root, name).toString();
    }
    throw new IllegalStateException(name + ": the model was not shipped to this executor (give it with "
        + "spark-submit --files or --archives, or as a URI every host can read)");
  }

  private static String sparkFilesRoot() {
    try {
      return SparkFiles.getRootDirectory();
    } catch (RuntimeException e) { // no SparkEnv in this JVM
      return null;
    }
  }

  /** The source URI of a --files/--archives entry named {@code name} (its file name or #alias). */
  static String shippedSource(SparkConf conf, String name) {
    for (String key : new String[] {"spark.files", "spark.archives", "spark.yarn.dist.files", "spark.yarn.dist.archives"}) {
      for (String entry : conf.get(key, "").split(",")) {
        String e = entry.trim();
        if (e.isEmpty()) {
          continue;
        }
        int hash = e.indexOf('#');
        String uri = hash < 0 ? e : e.substring(0, hash);
        String alias = hash < 0 ? new Path(uri).getName() : e.substring(hash + 1);
        if (alias.equals(name)) {
          return uri;
        }
      }
    }
    return null;
  }

  /** A model found and checked on the driver: how executors find it, and its spec. */
  public record Checked(ModelSource source, ModelLocation location) {}

  /** A model copied into the local cache. */
  record Staged(String localPath, String hash) {}

  /**
   * Copies a model (file plus its spec beside it, directory, or archive) from any Hadoop
   * filesystem into the cache, hashing it on the way; reuses a cached copy when the expected hash
   * is known and present.
   */
  static Staged stage(String uri, Configuration conf, String expectedHash) {
    Path src = new Path(uri);
    java.nio.file.Path cache = cacheRoot();
    try {
      Files.createDirectories(cache);
      if (expectedHash != null) {
        java.nio.file.Path done = cache.resolve(expectedHash);
        if (Files.isDirectory(done)) {
          return new Staged(entry(done, src.getName()).toString(), expectedHash);
        }
      }
      FileSystem fs = src.getFileSystem(conf);
      FileStatus st;
      try {
        st = fs.getFileStatus(src);
      } catch (FileNotFoundException e) {
        throw new IllegalArgumentException(uri + ": no such model file, directory or object");
      }
      List<FileStatus> files = new ArrayList<>();
      Path base = src.getParent();
      if (st.isDirectory()) {
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(src, true);
        while (it.hasNext()) {
          files.add(it.next());
        }
      } else {
        files.add(st);
        Path spec = new Path(src.getParent(), src.getName() + ".spec.json");
        if (!isArchive(src.getName()) && fs.exists(spec)) {
          files.add(fs.getFileStatus(spec));
        }
        if (src.getName().endsWith(".json") && !src.getName().endsWith(".spec.json")) {
          byte[] json;
          try (InputStream in = fs.open(src)) {
            json = in.readAllBytes();
          }
          if (isTfjsGraph(java.util.Arrays.copyOf(json, Math.min(json.length, 4096)))) {
            for (String w : tfjsWeightFiles(new java.io.ByteArrayInputStream(json))) {
              Path weights = new Path(src.getParent(), w);
              try {
                files.add(fs.getFileStatus(weights));
              } catch (FileNotFoundException e) {
                throw new IllegalArgumentException(uri + ": the TensorFlow.js model's weight file " + weights
                    + " is missing");
              }
            }
          }
        }
      }
      String basePath = base == null ? "" : base.toUri().getPath();
      files.sort(Comparator.comparing(f -> relative(f.getPath(), basePath)));
      java.nio.file.Path tmp = Files.createTempDirectory(cache, ".staging-");
      MessageDigest digest = sha256();
      try {
        for (FileStatus f : files) {
          String rel = relative(f.getPath(), basePath);
          digestEntry(digest, rel, f.getLen());
          java.nio.file.Path out = tmp.resolve(rel);
          Files.createDirectories(out.getParent());
          try (InputStream in = fs.open(f.getPath());
              OutputStream os = new DigestOutputStream(Files.newOutputStream(out), digest)) {
            in.transferTo(os);
          }
        }
        String hash = HexFormat.of().formatHex(digest.digest());
        if (expectedHash != null && !expectedHash.equals(hash)) {
          throw new IllegalStateException(uri + ": the model changed since the driver checked it (sha256 "
              + expectedHash + ", now " + hash + ")");
        }
        if (!st.isDirectory() && isArchive(src.getName())) {
          unpack(tmp.resolve(src.getName()), tmp.resolve(stripArchive(src.getName())), uri);
        }
        java.nio.file.Path target = cache.resolve(hash);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
          if (!Files.isDirectory(target)) {
            throw e;
          } // this content is cached already (an earlier run, or another JVM on this host first)
        }
        return new Staged(entry(target, src.getName()).toString(), hash);
      } finally {
        if (Files.exists(tmp)) {
          deleteTree(tmp);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(uri + ": cannot copy the model: " + e.getMessage(), e);
    }
  }

  /** What ModelLocation reads in a staged copy: the file, the directory, or the unpacked archive. */
  private static java.nio.file.Path entry(java.nio.file.Path staged, String name) throws IOException {
    if (!isArchive(name)) {
      return staged.resolve(name);
    }
    java.nio.file.Path unpacked = staged.resolve(stripArchive(name));
    if (Files.isRegularFile(unpacked.resolve(ModelSpec.DIRECTORY_SPEC))) {
      return unpacked;
    }
    try (Stream<java.nio.file.Path> children = Files.list(unpacked)) { // an archive of one folder
      List<java.nio.file.Path> dirs = children.filter(Files::isDirectory).toList();
      if (dirs.size() == 1 && Files.isRegularFile(dirs.get(0).resolve(ModelSpec.DIRECTORY_SPEC))) {
        return dirs.get(0);
      }
    }
    return unpacked;
  }

  private static void unpack(java.nio.file.Path archive, java.nio.file.Path into, String uri) throws IOException {
    Files.createDirectories(into);
    try {
      if (archive.getFileName().toString().endsWith(".zip")) {
        FileUtil.unZip(archive.toFile(), into.toFile());
      } else {
        FileUtil.unTar(archive.toFile(), into.toFile());
      }
    } catch (IOException e) {
      throw new IOException("corrupt or unreadable archive (" + e.getMessage() + ")", e);
    }
    Files.delete(archive);
  }

  /** The fingerprint of a local model: the same hash a staged copy of it gets. */
  static String localHash(java.nio.file.Path model) {
    java.nio.file.Path p = model.toAbsolutePath().normalize();
    java.nio.file.Path base = p.getParent();
    List<java.nio.file.Path> files = new ArrayList<>();
    try {
      if (Files.isDirectory(p)) {
        try (Stream<java.nio.file.Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile).forEach(files::add);
        }
      } else {
        files.add(p);
        java.nio.file.Path spec = p.resolveSibling(p.getFileName() + ".spec.json");
        if (Files.isRegularFile(spec)) {
          files.add(spec);
        }
        if (isTfjsGraph(p)) { // its weights are part of its bytes
          try (InputStream in = Files.newInputStream(p)) {
            for (String w : tfjsWeightFiles(in)) {
              files.add(p.resolveSibling(w).normalize());
            }
          }
        }
      }
      files.sort(Comparator.comparing(f -> base.relativize(f).toString()));
      MessageDigest digest = sha256();
      for (java.nio.file.Path f : files) {
        digestEntry(digest, base.relativize(f).toString(), Files.size(f));
        try (InputStream in = Files.newInputStream(f);
            OutputStream os = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
          in.transferTo(os);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(model + ": cannot read the model: " + e.getMessage(), e);
    }
  }

  private static void digestEntry(MessageDigest digest, String relativePath, long length) {
    digest.update(relativePath.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    for (int i = 56; i >= 0; i -= 8) {
      digest.update((byte) (length >>> i));
    }
  }

  private static String relative(Path file, String basePath) {
    String p = file.toUri().getPath();
    String rel = basePath.isEmpty() ? p : p.substring(basePath.length());
    return rel.replaceFirst("^/+", "");
  }

  private static java.nio.file.Path cacheRoot() {
    String dir = System.getProperty(CACHE_PROPERTY);
    if (dir == null) {
      dir = System.getenv("PERSONLAB_MODEL_CACHE");
    }
    return dir != null ? java.nio.file.Path.of(dir)
        : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "personlab-models");
  }

  private static boolean isArchive(String name) {
    for (String s : ARCHIVE_SUFFIXES) {
      if (name.endsWith(s)) {
        return true;
      }
    }
    return false;
  }

  private static String stripArchive(String name) {
    for (String s : ARCHIVE_SUFFIXES) {
      if (name.endsWith(s)) {
        return name.substring(0, name.length() - s.length());
      }
    }
    return name;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(java.nio.file.Path dir) throws IOException {
    try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
      for (java.nio.file.Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
