package io.personlab.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobFilter;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The images to label, as rows (uri, size): files under local, hdfs:// or s3a:// prefixes
 * (recursive, names matching a glob; hidden names starting with '_' or '.' skipped), or the lines
 * of a manifest. The driver lists only the first level of each prefix; the subdirectories are
 * listed by executors, so a huge tree is never listed into the driver's memory.
 */
public final class ImageListing {
  public static final StructType SCHEMA = new StructType()
      .add("uri", DataTypes.StringType, false)
      .add("size", DataTypes.LongType, false);

  private ImageListing() {}

  public static Dataset<Row> fromPrefixes(SparkSession spark, List<String> inputs, String glob) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    GlobFilter filter = new GlobFilter(glob);
    List<Row> files = new ArrayList<>();
    List<String> dirs = new ArrayList<>();
    for (String input : inputs) {
      Path p = new Path(input);
      FileSystem fs = p.getFileSystem(conf);
      FileStatus st;
      try {
        st = fs.getFileStatus(p);
      } catch (java.io.FileNotFoundException e) {
        throw new IllegalArgumentException(input + ": no such file, directory or prefix");
      }
      if (st.isFile()) {
        files.add(RowFactory.create(st.getPath().toString(), st.getLen()));
        continue;
      }
      for (FileStatus child : fs.listStatus(p)) {
        String name = child.getPath().getName();
        if (hidden(name)) {
          continue;
        }
        if (child.isDirectory()) {
          dirs.add(child.getPath().toString());
        } else if (filter.accept(child.getPath())) {
          files.add(RowFactory.create(child.getPath().toString(), child.getLen()));
        }
      }
    }
    Dataset<Row> listed = spark.createDataFrame(files, SCHEMA);
    if (dirs.isEmpty()) {
      return listed;
    }
    SerializableConfiguration hadoop = new SerializableConfiguration(conf);
    Dataset<Row> deep = spark.createDataset(dirs, Encoders.STRING())
        .repartition(Math.min(dirs.size(), 64))
        .flatMap((FlatMapFunction<String, Row>) dir -> listRecursively(dir, glob, hadoop.value()),
            Encoders.row(SCHEMA));
    return listed.union(deep);
  }

  /**
   * Lines of a text manifest (one URI per line; blank lines and '#' comments ignored); sizes
   * unknown (-1). Local paths and file: URIs are written in Hadoop's form, as listings write them,
   * so that a file has one image_uri whichever way it was given.
   */
  public static Dataset<Row> fromManifest(SparkSession spark, String manifest) {
    return spark.read().textFile(manifest)
        .flatMap((FlatMapFunction<String, Row>) line -> {
          String t = line.trim();
          return t.isEmpty() || t.startsWith("#") ? java.util.Collections.emptyIterator()
              : List.of(RowFactory.create(qualified(t), -1L)).iterator();
        }, Encoders.row(SCHEMA));
  }

  static String qualified(String uri) {
    if (uri.startsWith("file:")) {
      try { // an escaped URI (file:///a%20b.jpg)
        return localUri(java.nio.file.Path.of(java.net.URI.create(
            uri.startsWith("file://") ? uri : "file://" + uri.substring(5))));
      } catch (IllegalArgumentException e) { // Hadoop's unescaped form (file:/a b.jpg)
        String path = uri.substring(5);
        while (path.startsWith("//")) {
          path = path.substring(1);
        }
        return localUri(java.nio.file.Path.of(path));
      }
    }
    return uri.contains("://") ? uri : localUri(java.nio.file.Path.of(uri));
  }

  private static Iterator<Row> listRecursively(String dir, String glob, Configuration conf) throws IOException {
    Path p = new Path(dir);
    String scheme = p.toUri().getScheme();
    if (scheme == null || scheme.equals("file")) {
      return listLocally(p, glob);
    }
    FileSystem fs = p.getFileSystem(conf);
    GlobFilter filter = new GlobFilter(glob);
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
    List<Row> out = new ArrayList<>();
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      if (!hiddenBelow(f.getPath(), p) && filter.accept(f.getPath())) {
        out.add(RowFactory.create(f.getPath().toString(), f.getLen()));
      }
    }
    return out.iterator();
  }

  /**
   * Local trees are walked with NIO: Hadoop's local filesystem makes a status call (a forked
   * `stat` on Linux) per file, which costs more than labeling small images.
   */
  private static Iterator<Row> listLocally(Path dir, String glob) throws IOException {
    GlobFilter filter = new GlobFilter(glob);
    java.nio.file.Path root = java.nio.file.Path.of(dir.toUri().getPath());
    List<Row> out = new ArrayList<>();
    java.nio.file.Files.walkFileTree(root, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
        Integer.MAX_VALUE, new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult preVisitDirectory(java.nio.file.Path d,
              java.nio.file.attribute.BasicFileAttributes attrs) {
            return !d.equals(root) && hidden(d.getFileName().toString())
                ? java.nio.file.FileVisitResult.SKIP_SUBTREE : java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFile(java.nio.file.Path f,
              java.nio.file.attribute.BasicFileAttributes attrs) {
            String name = f.getFileName().toString();
            if (attrs.isRegularFile() && !hidden(name) && filter.accept(new Path(name))) {
              out.add(RowFactory.create(localUri(f), attrs.size()));
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path f, IOException e) {
            // an unreadable entry or a link loop: listed, so that it becomes an error row naming it
            out.add(RowFactory.create(localUri(f), -1L));
            return java.nio.file.FileVisitResult.CONTINUE;
          }
        });
    return out.iterator();
  }

  /**
   * Hadoop's form of a local file URI, unescaped ("file:/a b/ü.jpg"), as the driver's listing
   * writes it too, so that one file has one image_uri however it was listed.
   */
  static String localUri(java.nio.file.Path f) {
    return "file:" + f.toAbsolutePath().normalize();
  }

  private static boolean hidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  private static boolean hiddenBelow(Path file, Path root) {
    for (Path q = file; q != null && !q.equals(root); q = q.getParent()) {
      if (hidden(q.getName())) {
        return true;
      }
    }
    return false;
  }
}
