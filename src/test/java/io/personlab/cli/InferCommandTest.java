package io.personlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.personlab.testing.SharedData;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** infer end to end with the real BodyPix model, and its errors for bad inputs. */
class InferCommandTest {
  @TempDir Path tmp;

  private static final String MODEL = SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString();

  @Test
  void writesPeopleAsJsonAndRendersThem() throws Exception {
    Path image = SharedData.path("data/coco-mini-val/images/000000109313.jpg"); // one large person
    Path json = tmp.resolve("out.json");
    Path png = tmp.resolve("out.png");
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("infer", "--model", MODEL, "--image", image.toString(),
        "--output", json.toString(), "--render", png.toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode out = new ObjectMapper().readTree(json.toFile());
    BufferedImage original = ImageIO.read(image.toFile());
    assertEquals(original.getWidth(), out.get("width").asInt());
    assertTrue(out.get("people").size() >= 1);
    JsonNode p = out.get("people").get(0);
    assertEquals(51, p.get("keypoints").size());
    assertTrue(p.get("mask").get("counts").asText().length() > 10);
    assertTrue(p.get("maskArea").asLong() > 1000);
    BufferedImage picture = ImageIO.read(png.toFile());
    assertEquals(original.getWidth(), picture.getWidth());
    assertEquals(out.get("height").asInt(), picture.getHeight());
  }

  @Test
  void maskMaxSideCapsTheMasksNotTheKeypoints() throws Exception {
    Path image = SharedData.path("data/coco-mini-val/images/000000109313.jpg");
    Path full = tmp.resolve("full.json"), capped = tmp.resolve("capped.json");
    assertEquals(0, EvaluateCommandTest.run("infer", "--model", MODEL, "--image", image.toString(),
        "--output", full.toString()).exit());
    EvaluateCommandTest.Run r = EvaluateCommandTest.run("infer", "--model", MODEL, "--image", image.toString(),
        "--output", capped.toString(), "--mask-max-side", "160", "--render", tmp.resolve("c.png").toString());
    assertEquals(0, r.exit(), r.err());
    JsonNode a = new ObjectMapper().readTree(full.toFile()).get("people").get(0);
    JsonNode b = new ObjectMapper().readTree(capped.toFile()).get("people").get(0);
    int w = new ObjectMapper().readTree(full.toFile()).get("width").asInt();
    int h = new ObjectMapper().readTree(full.toFile()).get("height").asInt();
    JsonNode size = b.get("mask").get("size");
    assertEquals(160, Math.max(size.get(0).asInt(), size.get(1).asInt()));
    assertEquals(Math.round(h * 160.0 / Math.max(w, h)), size.get(0).asInt());
    assertEquals(a.get("keypoints").toString(), b.get("keypoints").toString(), "keypoints stay in image pixels");
    double bound = Math.max(w, h) / 160.0 + 1; // a boundary moves at most half a mask pixel; two edges per side
    for (int i = 0; i < 4; i++) {
      assertEquals(a.get("box").get(i).asDouble(), b.get("box").get(i).asDouble(), bound, "box in image pixels");
    }
  }

  @Test
  void badInputsGiveOneClearError() throws Exception {
    Path text = tmp.resolve("notes.jpg");
    Files.writeString(text, "hello");
    EvaluateCommandTest.Run notImage = EvaluateCommandTest.run("infer", "--model", MODEL, "--image", text.toString());
    assertEquals(1, notImage.exit());
    assertEquals("error: " + text + ": not an image (no decoder recognises its format)\n", notImage.err());
    EvaluateCommandTest.Run missing = EvaluateCommandTest.run("infer", "--model", MODEL, "--image", tmp.resolve("x.jpg").toString());
    assertEquals("error: " + tmp.resolve("x.jpg") + ": no such file\n", missing.err());
    EvaluateCommandTest.Run noModel = EvaluateCommandTest.run("infer", "--model", tmp.resolve("m.onnx").toString(),
        "--image", text.toString());
    assertEquals("error: " + tmp.resolve("m.onnx") + ": no such model file or directory\n", noModel.err());
    Path bomb = tmp.resolve("bomb.png");
    Files.write(bomb, io.personlab.image.ImageDecoderTest.pngHeader(30000, 30000));
    EvaluateCommandTest.Run huge = EvaluateCommandTest.run("infer", "--model", MODEL, "--image", bomb.toString());
    assertEquals(1, huge.exit());
    assertTrue(huge.err().startsWith("error: " + bomb + ": image of 30000x30000"), huge.err());
  }
}
