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
 * of a manifest.
 *
 * <p>Driver memory stays bounded whatever the inputs hold. The driver lists only the first level
 * of each input, as a stream ({@code listStatusIterator}: S3A and HDFS fetch it in pages of about
 * a thousand keys; local directories through a NIO directory stream), and never keeps more than
 * {@code pageRows} of its entries: each time that many are buffered they are written, as one page
 * file, under a scratch directory (on the output's filesystem, which executors can read), and the
 * buffer is emptied. Executors read the page files back (the files as rows; the subdirectories
 * listed recursively by executors, as are those of a small listing). What stays on the driver is the
 * last partial page and the page files' names: a flat prefix of 10 million objects with the default
 * {@value #DEFAULT_PAGE_ROWS}-row pages holds at most 100,000 entries and 100 names. The driver still
 * lists such a prefix alone, sequentially (about 10,000 list requests on S3); splitting the key range
 * across executors would need store-specific listing (start-after) that Hadoop's FileSystem API lacks.
 */
public final class ImageListing {
  /**
   * A listed file: its URI and its identity when listed (size, modification time in epoch
   * milliseconds, the store's ETag where it has one; -1 and null when unknown, as for manifests).
   */
  public static final StructType SCHEMA = new StructType()
      .add("uri", DataTypes.StringType, false)
      .add("size", DataTypes.LongType, false)
      .add("modified", DataTypes.LongType, false)
      .add("etag", DataTypes.StringType, true);

  /** First-level entries the driver holds at most before writing them out as a page. */
  public static final int DEFAULT_PAGE_ROWS = 100_000;

  private static final StructType ENTRY = new StructType()
      .add("dir", DataTypes.BooleanType, false)
      .add("uri", DataTypes.StringType, false)
      .add("size", DataTypes.LongType, false)
      .add("modified", DataTypes.LongType, false)
      .add("etag", DataTypes.StringType, true);

  private ImageListing() {}

  /**
   * As {@link #fromPrefixes(SparkSession, List, String, String, int)} without a scratch directory:
   * inputs whose first levels hold more than {@value #DEFAULT_PAGE_ROWS} entries are refused.
   */
  public static Dataset<Row> fromPrefixes(SparkSession spark, List<String> inputs, String glob) throws IOException {
    return fromPrefixes(spark, inputs, glob, null, DEFAULT_PAGE_ROWS);
  }

  /**
   * The files under the inputs.
   *
   * @param scratch a directory (URI) that executors can read, for the pages of a large first-level
   *     listing; created when needed, the caller deletes it after the job ({@link #deleteScratch})
   * @param pageRows first-level entries (files and subdirectories) the driver holds at most
   */
  public static Dataset<Row> fromPrefixes(SparkSession spark, List<String> inputs, String glob, String scratch,
      int pageRows) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    GlobFilter filter = new GlobFilter(glob);
    try (Pager pager = new Pager(conf, scratch, pageRows)) {
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
          pager.add(false, st.getPath().toString(), st.getLen(), st.getModificationTime(), etag(st));
        } else if (isLocal(p)) {
          listFirstLevelLocally(java.nio.file.Path.of(st.getPath().toUri().getPath()), filter, pager);
        } else {
          RemoteIterator<FileStatus> it = fs.listStatusIterator(p);
          while (it.hasNext()) {
            FileStatus child = it.next();
            if (hidden(child.getPath().getName())) {
              continue;
            }
            if (child.isDirectory()) {
              pager.add(true, child.getPath().toString(), -1, -1, null);
            } else if (filter.accept(child.getPath())) {
              pager.add(false, child.getPath().toString(), child.getLen(), child.getModificationTime(), etag(child));
            }
          }
        }
      }
      pager.flushIfPaged();
      SerializableConfiguration hadoop = new SerializableConfiguration(conf);
      List<Row> files = new ArrayList<>();
      List<String> dirs = new ArrayList<>();
      for (Row e : pager.buffer) {
        if (e.getBoolean(0)) {
          dirs.add(e.getString(1));
        } else {
          files.add(RowFactory.create(e.getString(1), e.getLong(2), e.getLong(3), e.getString(4)));
        }
      }
      Dataset<Row> listed = spark.createDataFrame(files, SCHEMA);
      if (!dirs.isEmpty()) {
        listed = listed.union(spark.createDataset(dirs, Encoders.STRING())
            .repartition(Math.min(dirs.size(), 64))
            .flatMap((FlatMapFunction<String, Row>) dir -> listRecursively(dir, glob, hadoop.value()),
                Encoders.row(SCHEMA)));
      }
      if (!pager.pages.isEmpty()) {
        Dataset<Row> entries = spark.createDataset(pager.pages, Encoders.STRING())
            .repartition(Math.min(pager.pages.size(), 64))
            .flatMap((FlatMapFunction<String, Row>) page -> readPage(page, hadoop.value()), Encoders.row(ENTRY));
        listed = listed.union(entries.where("NOT dir").select("uri", "size", "modified", "etag"))
            .union(entries.where("dir").select("uri").as(Encoders.STRING())
                .repartition(Math.min(pager.pages.size() * 4, 256))
                .flatMap((FlatMapFunction<String, Row>) dir -> listRecursively(dir, glob, hadoop.value()),
                    Encoders.row(SCHEMA)));
      }
      return listed;
    }
  }

  /**
   * Removes a scratch directory given to {@link #fromPrefixes} (nothing if it was not needed); a
   * failure is logged, never thrown (it runs in finally blocks, where it would hide the job's error).
   */
  public static void deleteScratch(Configuration conf, String scratch) {
    if (scratch == null) {
      return;
    }
    Path p = new Path(scratch);
    try {
      p.getFileSystem(conf).delete(p, true);
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(ImageListing.class).warn("could not remove the listing pages in {}: {}", scratch, e.toString());
    }
  }

  /** The first level of a local directory, streamed (no array of all names). */
  private static void listFirstLevelLocally(java.nio.file.Path dir, GlobFilter filter, Pager pager) throws IOException {
    try (java.nio.file.DirectoryStream<java.nio.file.Path> children = java.nio.file.Files.newDirectoryStream(dir)) {
      for (java.nio.file.Path child : children) {
        String name = child.getFileName().toString();
        if (hidden(name)) {
          continue;
        }
        java.nio.file.attribute.BasicFileAttributes attrs;
        try {
          attrs = java.nio.file.Files.readAttributes(child, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (IOException e) { // a broken link, say: listed, so that it becomes an error row naming it
          pager.add(false, localUri(child), -1, -1, null);
          continue;
        }
        if (attrs.isDirectory()) {
          pager.add(true, localUri(child), -1, -1, null);
        } else if (filter.accept(new Path(localUri(child)))) {
          pager.add(false, localUri(child), attrs.size(), attrs.lastModifiedTime().toMillis(), null);
        }
      }
    }
  }

  /**
   * Holds at most pageRows first-level entries; a full buffer is written to the scratch directory
   * as one page file (entries: dir flag, size, URI) and emptied.
   */
  private static final class Pager implements AutoCloseable {
    private final Configuration conf;
    private final String scratch;
    private final int pageRows;
    final List<Row> buffer = new ArrayList<>();
    final List<String> pages = new ArrayList<>();

    Pager(Configuration conf, String scratch, int pageRows) {
      if (pageRows < 1) {
        throw new IllegalArgumentException("pageRows must be positive");
      }
      this.conf = conf;
      this.scratch = scratch;
      this.pageRows = pageRows;
    }

    void add(boolean dir, String uri, long size, long modified, String etag) throws IOException {
      buffer.add(RowFactory.create(dir, uri, size, modified, etag));
      if (buffer.size() >= pageRows) {
        writePage();
      }
    }

    /** Once pages exist, the rest goes to a page too, so that executors hold all of a large listing. */
    void flushIfPaged() throws IOException {
      if (!pages.isEmpty() && !buffer.isEmpty()) {
        writePage();
      }
    }

    private void writePage() throws IOException {
      if (scratch == null) {
        throw new IllegalStateException("the inputs' first level holds more than " + pageRows
            + " entries: give a scratch directory to page the listing through");
      }
      Path page = new Path(scratch, String.format("page-%06d", pages.size()));
      try (java.io.DataOutputStream out = new java.io.DataOutputStream(
          new java.io.BufferedOutputStream(page.getFileSystem(conf).create(page, true)))) {
        out.writeInt(buffer.size());
        for (Row e : buffer) {
          out.writeBoolean(e.getBoolean(0));
          out.writeLong(e.getLong(2));
          out.writeLong(e.getLong(3));
          out.writeUTF(e.getString(1)); // any character a key may hold, newlines included
          out.writeUTF(e.isNullAt(4) ? "" : e.getString(4));
        }
      }
      pages.add(page.toString());
      buffer.clear();
    }

    @Override
    public void close() {
      // nothing held open between pages
    }
  }

  private static Iterator<Row> readPage(String page, Configuration conf) throws IOException {
    Path p = new Path(page);
    try (java.io.DataInputStream in = new java.io.DataInputStream(
        new java.io.BufferedInputStream(p.getFileSystem(conf).open(p)))) {
      int n = in.readInt();
      List<Row> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        boolean dir = in.readBoolean();
        long size = in.readLong();
        long modified = in.readLong();
        String uri = in.readUTF();
        String etag = in.readUTF();
        out.add(RowFactory.create(dir, uri, size, modified, etag.isEmpty() ? null : etag));
      }
      return out.iterator();
    }
  }

  private static boolean isLocal(Path p) {
    String scheme = p.toUri().getScheme();
    return scheme == null || scheme.equals("file");
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
              : List.of(RowFactory.create(qualified(t), -1L, -1L, null)).iterator();
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
        out.add(RowFactory.create(f.getPath().toString(), f.getLen(), f.getModificationTime(), etag(f)));
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
              out.add(RowFactory.create(localUri(f), attrs.size(), attrs.lastModifiedTime().toMillis(), null));
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path f, IOException e) {
            // an unreadable entry or a link loop: listed, so that it becomes an error row naming it
            out.add(RowFactory.create(localUri(f), -1L, -1L, null));
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

  /** The object store's ETag of a listed file (S3A has one), or null. */
  private static String etag(FileStatus st) {
    return st instanceof org.apache.hadoop.fs.EtagSource e ? e.getEtag() : null;
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
