package io.personlab.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadTest {
  @Test
  void givesTheSourceBytesInOrderAcrossBlocks() throws IOException {
    byte[] data = new byte[(3 << 20) + 12345];
    new Random(7).nextBytes(data);
    try (InputStream in = new ReadAhead(new ByteArrayInputStream(data), "test")) {
      byte[] back = new byte[data.length];
      int n = 0;
      back[n++] = (byte) in.read(); // single-byte reads and bulk reads mix
      int r;
      while ((r = in.read(back, n, Math.min(70_000, back.length - n))) > 0) {
        n += r;
      }
      assertEquals(data.length, n);
      assertEquals(-1, in.read());
      assertArrayEquals(data, back);
    }
  }

  @Test
  void anErrorOfTheSourceSurfacesAtTheReadThatReachesIt() throws IOException {
    InputStream failing = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("disk gone");
      }
    };
    byte[] head = new byte[100];
    try (InputStream in = new ReadAhead(new SequenceInputStream(new ByteArrayInputStream(head), failing), "t")) {
      IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
      assertEquals("disk gone", e.getMessage());
    }
  }
}
