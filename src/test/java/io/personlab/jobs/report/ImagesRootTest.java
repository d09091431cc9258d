package io.personlab.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The --images-root rule: the labels' common folder replaced by the new root. */
class ImagesRootTest {
  @Test
  void theCommonFolderOfTheFirstAndLastUriIsReplaced() {
    String from = LabelReport.commonFolder("s3a://old/photos/2026/a.jpg", "s3a://old/photos/2027/b.jpg");
    assertEquals("s3a://old/photos/", from);
    assertEquals("file:/new/2026/a.jpg", ContactSheet.mapped("s3a://old/photos/2026/a.jpg", from, "file:/new/"));
    assertEquals("/new/2027/b.jpg", ContactSheet.mapped("s3a://old/photos/2027/b.jpg", from, "/new"));
    // one folder: names sharing a prefix do not cut a name in two
    assertEquals("file:/p/", LabelReport.commonFolder("file:/p/img10.jpg", "file:/p/img19.jpg"));
    assertEquals("file:/p/", LabelReport.commonFolder("file:/p/a.jpg", "file:/p/a.jpg"));
    // without --images-root, or a URI outside the prefix: read where labeled
    assertEquals("s3a://x/a.jpg", ContactSheet.mapped("s3a://x/a.jpg", "s3a://old/", "/new"));
    assertEquals("s3a://x/a.jpg", ContactSheet.mapped("s3a://x/a.jpg", null, null));
  }
}
