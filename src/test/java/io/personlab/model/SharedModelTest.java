package io.personlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.personlab.pipeline.ImageResult;
import io.personlab.pipeline.PersonLabPipeline;
import io.personlab.pipeline.PipelineConfig;
import io.personlab.testing.SharedData;
import java.nio.file.Files;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-JVM model cache releases models: counted by session, closed when idle. */
class SharedModelTest {
  static final String MODEL = SharedData.path("models/bodypix-mobilenet050-stride16.onnx").toString();
  // engine threads 3: a cache key no other test uses (their instances are pinned by shared())
  static final int THREADS = 3;

  @AfterEach
  void restore() {
    System.clearProperty(PersonLabModel.IDLE_PROPERTY);
  }

  static int people(PersonLabModel.Session s) throws Exception {
    byte[] jpeg = Files.readAllBytes(SharedData.path("data/coco-mini-val/images/000000109313.jpg"));
    ImageResult r = new PersonLabPipeline(s.model().spec(), PipelineConfig.singleScale(257)).process(jpeg, "x.jpg", s);
    return r.people().size();
  }

  @Test
  void twoThreadsShareOneInstanceWhichIsClosedOnceTheLastSessionIsIdle() throws Exception {
    System.setProperty(PersonLabModel.IDLE_PROPERTY, "1");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier bothOpen = new CyclicBarrier(2);
    try {
      Future<PersonLabModel.Session> a = pool.submit(() -> {
        PersonLabModel.Session s = PersonLabModel.openShared(MODEL, THREADS, Device.cpu());
        bothOpen.await();
        assertTrue(people(s) > 0);
        return s;
      });
      Future<PersonLabModel.Session> b = pool.submit(() -> {
        PersonLabModel.Session s = PersonLabModel.openShared(MODEL, THREADS, Device.cpu());
        bothOpen.await();
        assertTrue(people(s) > 0);
        return s;
      });
      PersonLabModel.Session sa = a.get(), sb = b.get();
      PersonLabModel model = sa.model();
      assertSame(model, sb.model(), "loaded once per JVM");
      assertEquals(2, model.openSessions());
      sa.close();
      sa.close(); // idempotent: counted once
      assertEquals(1, model.openSessions());
      Thread.sleep(1500); // past the idle period: a session is still open
      assertFalse(model.isClosed());
      assertTrue(people(sb) > 0);
      sb.close();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!model.isClosed() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(model.isClosed(), "closed about 1 s after its last session");
      assertThrows(IllegalStateException.class, model::newSession);
      try (PersonLabModel.Session again = PersonLabModel.openShared(MODEL, THREADS, Device.cpu())) {
        assertNotSame(model, again.model(), "a closed instance is never handed out: loaded anew");
        assertTrue(people(again) > 0);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSessionOpenedWithinTheIdlePeriodKeepsTheInstanceAndIdleOnesCanBeClosedNow() throws Exception {
    System.setProperty(PersonLabModel.IDLE_PROPERTY, "300");
    PersonLabModel first;
    try (PersonLabModel.Session s = PersonLabModel.openShared(MODEL, THREADS, Device.cpu())) {
      first = s.model();
    }
    PersonLabModel.Session s = PersonLabModel.openShared(MODEL, THREADS, Device.cpu());
    assertSame(first, s.model(), "the next task reuses the loaded model");
    PersonLabModel.closeIdleShared();
    assertFalse(first.isClosed(), "in use: not closed");
    s.close();
    assertTrue(PersonLabModel.closeIdleShared() >= 1);
    assertTrue(first.isClosed());
    // a pinned instance (shared(), for one-process commands) stays
    PersonLabModel pinned = PersonLabModel.shared(MODEL, THREADS + 1);
    pinned.newSession().close();
    PersonLabModel.closeIdleShared();
    assertFalse(pinned.isClosed());
    pinned.close(); // its owner may still close it explicitly; the cache then loads anew
    assertTrue(pinned.isClosed());
    assertNotSame(pinned, PersonLabModel.shared(MODEL, THREADS + 1));
    PersonLabModel.shared(MODEL, THREADS + 1).close();
  }
}
