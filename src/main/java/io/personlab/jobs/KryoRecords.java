package io.personlab.jobs;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo serializer carry the project's records: Kryo 4 (Spark 3.5's) cannot build a
 * Java record, so records go through Java serialization inside Kryo's stream; every other class
 * keeps Kryo's own fast path. {@code Spark.session} adds this registrator whenever it builds the
 * session, so clusters configured with {@code spark.serializer=...KryoSerializer} work.
 */
public final class KryoRecords implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, new JavaSerializer());
  }
}
