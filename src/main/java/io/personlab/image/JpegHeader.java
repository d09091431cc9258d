package io.personlab.image;

import java.io.ByteArrayOutputStream;

/**
 * The size of a JPEG that the native decoder may take, read from its markers without decoding.
 * libjpeg only warns on damaged data and returns pixels, and treats some colour encodings
 * differently from ImageIO, so only plain files qualify: 8-bit Huffman (baseline, extended or
 * progressive) gray or YCbCr, no Adobe segment (CMYK, YCCK, RGB), no colour profile other than
 * sRGB, every marker valid, nothing but stuffed bytes and restart markers inside entropy-coded
 * data, and an EOI after the last scan. Anything else goes to the ImageIO path, which decodes it
 * or refuses it with its own messages.
 */
record JpegHeader(int width, int height) {

  /** The header of a plain JPEG, or null when the file is anything else (or damaged). */
  static JpegHeader plain(byte[] d) {
    int n = d.length;
    if (n < 4 || (d[0] & 0xff) != 0xff || (d[1] & 0xff) != 0xd8) {
      return null;
    }
    int width = 0, height = 0, components = 0;
    boolean jfif = false, ycc123 = false, scan = false;
    ByteArrayOutputStream icc = null;
    int pos = 2;
    while (true) {
      if (pos >= n || (d[pos] & 0xff) != 0xff) {
        return null; // truncated, or bytes where a marker must be
      }
      while (pos < n && (d[pos] & 0xff) == 0xff) {
        pos++; // fill bytes
      }
      if (pos >= n) {
        return null;
      }
      int marker = d[pos++] & 0xff;
      if (marker == 0xd9) { // EOI
        if (!scan || width == 0) {
          return null;
        }
        break;
      }
      if (marker < 0xc0 || marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0xdc) {
        return null; // invalid or misplaced marker, or DNL (height defined after the scan)
      }
      if (pos + 2 > n) {
        return null;
      }
      int length = ((d[pos] & 0xff) << 8) | (d[pos + 1] & 0xff);
      int end = pos + length;
      if (length < 2 || end > n) {
        return null;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
        if (width != 0 || marker > 0xc2 || length < 8) {
          return null; // a second frame, lossless, hierarchical or arithmetic coding
        }
        int precision = d[pos + 2] & 0xff;
        height = ((d[pos + 3] & 0xff) << 8) | (d[pos + 4] & 0xff);
        width = ((d[pos + 5] & 0xff) << 8) | (d[pos + 6] & 0xff);
        components = d[pos + 7] & 0xff;
        if (precision != 8 || width == 0 || height == 0 || (components != 1 && components != 3)
            || length != 8 + 3 * components) {
          return null;
        }
        ycc123 = components == 3 && d[pos + 8] == 1 && d[pos + 11] == 2 && d[pos + 14] == 3;
      } else if (marker == 0xcc) {
        return null; // arithmetic conditioning
      } else if (marker == 0xe0 && startsWith(d, pos + 2, end, "JFIF\0")) {
        jfif = true;
      } else if (marker == 0xee && startsWith(d, pos + 2, end, "Adobe")) {
        return null; // Adobe transform flag: CMYK, YCCK or RGB as ImageIO and libjpeg each read it
      } else if (marker == 0xe2 && startsWith(d, pos + 2, end, "ICC_PROFILE\0") && end > pos + 16) {
        if (icc == null) {
          icc = new ByteArrayOutputStream();
        }
        icc.write(d, pos + 16, end - pos - 16); // chunks come in order in practice
      } else if (marker == 0xda) { // SOS: skip the header, then the entropy-coded data
        if (width == 0) {
          return null;
        }
        scan = true;
        int i = end;
        while (true) {
          if (i + 1 >= n) {
            return null; // ends inside the scan: truncated
          }
          if ((d[i] & 0xff) != 0xff) {
            i++;
            continue;
          }
          int next = d[i + 1] & 0xff;
          if (next == 0 || (next >= 0xd0 && next <= 0xd7)) {
            i += 2; // stuffed 0xff or restart marker
          } else if (next == 0xff) {
            i++; // fill byte before a marker
          } else {
            break; // a marker: checked by the loop above
          }
        }
        pos = i;
        continue;
      }
      pos = end;
    }
    if (components == 3 && !jfif && !ycc123) {
      return null; // libjpeg and ImageIO guess the colour space of such files differently
    }
    if (icc != null && !isSrgb(icc.toByteArray())) {
      return null; // ImageIO converts through the profile; libjpeg ignores it
    }
    return new JpegHeader(width, height);
  }

  private static boolean startsWith(byte[] d, int from, int end, String tag) {
    if (from + tag.length() > end) {
      return false;
    }
    for (int i = 0; i < tag.length(); i++) {
      if (d[from + i] != (byte) tag.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The JDK's sRGB profile, or another sRGB profile (the HP "sRGB IEC61966-2.1" many cameras and
   * photo sites embed): ImageIO converts through the latter too, but from sRGB to sRGB, which
   * moves values by rounding only. Other profiles (Adobe RGB, Display P3, camera RGB) change
   * colours, so those files keep the ImageIO path.
   */
  private static boolean isSrgb(byte[] data) {
    try {
      java.awt.color.ICC_Profile profile = java.awt.color.ICC_Profile.getInstance(data);
      if (com.twelvemonkeys.imageio.color.ColorSpaces.isCS_sRGB(profile)) {
        return true;
      }
      byte[] desc = profile.getData(java.awt.color.ICC_Profile.icSigProfileDescriptionTag);
      return profile.getColorSpaceType() == java.awt.color.ColorSpace.TYPE_RGB && desc != null
          && new String(desc, java.nio.charset.StandardCharsets.ISO_8859_1).contains("sRGB IEC61966-2.1");
    } catch (RuntimeException e) {
      return false; // unreadable profile: let ImageIO decide what to do with it
    }
  }
}
