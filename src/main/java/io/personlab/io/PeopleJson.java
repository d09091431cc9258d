package io.personlab.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.personlab.people.Person;
import io.personlab.pipeline.ImageResult;
import java.io.IOException;
import java.io.Writer;

/** The people of one image as JSON (what {@code infer} writes). */
public final class PeopleJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private PeopleJson() {}

  public static void write(Writer out, String image, String model, ImageResult r) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("image", image);
      g.writeStringField("model", model);
      g.writeNumberField("width", r.width());
      g.writeNumberField("height", r.height());
      g.writeArrayFieldStart("people");
      for (Person p : r.people()) {
        g.writeStartObject();
        g.writeNumberField("score", p.score());
        g.writeFieldName("keypoints");
        g.writeArray(p.keypoints(), 0, p.keypoints().length);
        g.writeFieldName("box");
        g.writeArray(p.box(), 0, 4);
        if (p.mask() != null) {
          g.writeObjectFieldStart("mask");
          g.writeFieldName("size");
          g.writeArray(new int[] {p.mask().height(), p.mask().width()}, 0, 2);
          g.writeStringField("counts", p.mask().toCompressedString());
          g.writeEndObject();
          g.writeNumberField("maskArea", p.mask().area());
        } else {
          g.writeNullField("mask");
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("timingsMs");
      g.writeNumberField("decode", r.decodeMs());
      g.writeNumberField("forward", r.forwardMs());
      g.writeNumberField("postProcess", r.postMs());
      g.writeEndObject();
      g.writeEndObject();
    }
  }
}
