package io.personlab.coco;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A COCO ground-truth file: images, categories and annotations in file order. */
public record CocoDataset(
    String source, List<CocoImage> images, List<CocoCategory> categories, List<CocoAnnotation> annotations) {

  /** Images by id. */
  public Map<Long, CocoImage> imagesById() {
    Map<Long, CocoImage> byId = new HashMap<>(images.size() * 2);
    for (CocoImage image : images) {
      byId.put(image.id(), image);
    }
    return byId;
  }
}
