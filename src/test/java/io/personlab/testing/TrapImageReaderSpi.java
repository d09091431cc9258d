package io.personlab.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * A test-only ImageIO plug-in (registered in src/test/resources/META-INF/services) for a fake
 * format recognised by its first 8 bytes, whose decoder misbehaves the way a crafted file can make
 * a real one misbehave: {@link #STACK} recurses until the stack overflows, {@link #LINKAGE} throws
 * a LinkageError, {@link #MEMORY} asks the JVM for a raster it cannot have (a real
 * OutOfMemoryError), {@link #HANG} blocks, ignoring interrupts, until {@link #release()}. The
 * production decoder reaches it through ImageIO's registry like any other plug-in.
 */
public final class TrapImageReaderSpi extends ImageReaderSpi {
  public static final byte[] STACK = "PLTRAP:S".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  public static final byte[] LINKAGE = "PLTRAP:L".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  public static final byte[] HANG = "PLTRAP:H".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  public static final byte[] MEMORY = "PLTRAP:M".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static volatile CountDownLatch release = new CountDownLatch(1);
  private static final AtomicInteger HANGING = new AtomicInteger();

  /** Lets every hanging decode return (with an IOException); later ones hang again. */
  public static void release() {
    CountDownLatch r = release;
    release = new CountDownLatch(1);
    r.countDown();
  }

  /** Decodes blocked in a HANG file now. */
  public static int hanging() {
    return HANGING.get();
  }

  public TrapImageReaderSpi() {
    super("personlab-tests", "1.0", new String[] {"pltrap"}, new String[] {"pltrap"},
        new String[] {"image/x-pltrap"}, TrapReader.class.getName(), new Class<?>[] {ImageInputStream.class},
        null, false, null, null, null, null, false, null, null, null, null);
  }

  @Override
  public boolean canDecodeInput(Object source) throws IOException {
    return source instanceof ImageInputStream in && magic(in) != null;
  }

  private static byte[] magic(ImageInputStream in) throws IOException {
    byte[] head = new byte[8];
    in.mark();
    try {
      in.readFully(head);
    } catch (java.io.EOFException e) {
      return null;
    } finally {
      in.reset();
    }
    for (byte[] m : List.of(STACK, LINKAGE, HANG, MEMORY)) {
      if (Arrays.equals(head, m)) {
        return m;
      }
    }
    return null;
  }

  @Override
  public ImageReader createReaderInstance(Object extension) {
    return new TrapReader(this);
  }

  @Override
  public String getDescription(Locale locale) {
    return "personlab test trap format";
  }

  static final class TrapReader extends ImageReader {
    TrapReader(ImageReaderSpi spi) {
      super(spi);
    }

    @Override
    public int getNumImages(boolean allowSearch) {
      return 1;
    }

    @Override
    public int getWidth(int imageIndex) {
      return 8;
    }

    @Override
    public int getHeight(int imageIndex) {
      return 8;
    }

    @Override
    public Iterator<ImageTypeSpecifier> getImageTypes(int imageIndex) {
      return List.of(ImageTypeSpecifier.createFromBufferedImageType(BufferedImage.TYPE_3BYTE_BGR)).iterator();
    }

    @Override
    public IIOMetadata getStreamMetadata() {
      return null;
    }

    @Override
    public IIOMetadata getImageMetadata(int imageIndex) {
      return null;
    }

    @Override
    public BufferedImage read(int imageIndex, ImageReadParam param) throws IOException {
      byte[] m = magic((ImageInputStream) getInput());
      if (m == STACK) {
        return new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR).getWidth() > 0 ? nested(0) : null;
      }
      if (m == LINKAGE) {
        throw new LinkageError("trap: a decoder plug-in built against another library version");
      }
      if (m == MEMORY) {
        // what a header claiming a huge raster does to a decoder that trusts it
        long[] raster = new long[Integer.MAX_VALUE - 16];
        return raster.length > 0 ? null : new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
      }
      CountDownLatch r = release;
      HANGING.incrementAndGet();
      try {
        while (true) {
          try {
            if (r.await(1, TimeUnit.HOURS)) {
              throw new IOException("trap: released");
            }
          } catch (InterruptedException e) {
            // a stuck native decoder or socket does not answer interrupts either
          }
        }
      } finally {
        HANGING.decrementAndGet();
      }
    }

    /** Unbounded recursion, as a crafted nesting depth makes a recursive parser do. */
    private static BufferedImage nested(int depth) {
      BufferedImage inner = nested(depth + 1);
      return inner;
    }
  }
}
