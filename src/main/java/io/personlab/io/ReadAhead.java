package io.personlab.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An input stream read ahead by a thread of its own, in blocks: decompression (gzip) runs on one
 * core while the reader works on the previous blocks on another. Errors of the underlying stream
 * surface at the read that reaches them.
 */
public final class ReadAhead extends InputStream {
  private static final int BLOCK = 1 << 20;
  private static final byte[] END = new byte[0];

  private final InputStream source;
  private final BlockingQueue<Object> blocks = new ArrayBlockingQueue<>(8);
  private final Thread reader;
  private byte[] current = new byte[0];
  private int length;
  private int position;
  private boolean ended;
  private volatile boolean closed;

  public ReadAhead(InputStream source, String name) {
    this.source = source;
    reader = new Thread(this::fill, "read-ahead " + name);
    reader.setDaemon(true);
    reader.start();
  }

  private void fill() {
    try {
      while (!closed) {
        byte[] block = new byte[BLOCK];
        int n = source.readNBytes(block, 0, BLOCK);
        if (n == 0) {
          break;
        }
        blocks.put(n == BLOCK ? block : java.util.Arrays.copyOf(block, n));
      }
      blocks.put(END);
    } catch (IOException | RuntimeException e) {
      offer(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void offer(Exception e) {
    try {
      blocks.put(e);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean next() throws IOException {
    if (ended) {
      return false;
    }
    Object o;
    try {
      o = blocks.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading ahead");
    }
    if (o instanceof IOException e) {
      throw e;
    }
    if (o instanceof RuntimeException e) {
      throw e;
    }
    current = (byte[]) o;
    if (current == END) {
      ended = true;
      return false;
    }
    length = current.length;
    position = 0;
    return true;
  }

  @Override
  public int read() throws IOException {
    if (position == length && !next()) {
      return -1;
    }
    return current[position++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (position == length && !next()) {
      return -1;
    }
    int n = Math.min(len, length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    reader.interrupt();
    source.close();
  }
}
