package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.personlab.coco.CocoAnnotation;
import io.personlab.coco.Segmentation;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** Spark's Kryo serializer carries the project's records only with {@link KryoRecords} registered. */
class KryoRecordsTest {
  private static final CocoAnnotation RECORD = new CocoAnnotation(3, 42, 7, 1, 12.5, false,
      new double[] {1, 2, 3, 4}, new double[] {5, 6, 2}, 1,
      new Segmentation.PolygonList(List.of(new double[] {0, 0, 4, 0, 4, 4})));

  private static SerializerInstance kryo(boolean withRegistrator) {
    SparkConf conf = new SparkConf(false);
    if (withRegistrator) {
      conf.set("spark.kryo.registrator", KryoRecords.class.getName());
    }
    return new KryoSerializer(conf).newInstance();
  }

  @Test
  void recordsRoundTripWithTheRegistrator() {
    SerializerInstance kryo = kryo(true);
    ByteBuffer bytes = kryo.serialize(RECORD, ClassTag$.MODULE$.apply(CocoAnnotation.class));
    CocoAnnotation back = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(CocoAnnotation.class));
    assertEquals(RECORD.id(), back.id());
    assertEquals(RECORD.area(), back.area(), 0.0);
    assertArrayEquals(RECORD.keypoints(), back.keypoints(), 0.0);
    assertArrayEquals(((Segmentation.PolygonList) RECORD.segmentation()).polygons().get(0),
        ((Segmentation.PolygonList) back.segmentation()).polygons().get(0), 0.0);
  }

  @Test
  void withoutItKryoCannotBuildARecord() {
    assertThrows(RuntimeException.class, () -> {
      SerializerInstance kryo = kryo(false);
      kryo.deserialize(kryo.serialize(RECORD, ClassTag$.MODULE$.apply(CocoAnnotation.class)),
          ClassTag$.MODULE$.apply(CocoAnnotation.class));
    });
  }
}
