package io.personlab.cli;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The most heap in use right after any garbage collection while it runs: the peak of what the
 * process really held, whatever -Xmx lets the heap grow to (resident memory follows -Xmx, not the
 * data). Read from the collectors' notifications.
 */
final class LiveHeapPeak implements AutoCloseable {
  private final AtomicLong peak = new AtomicLong();
  private final List<Runnable> removals = new ArrayList<>();

  LiveHeapPeak() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        NotificationListener listener = (n, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            long used = 0;
            for (MemoryUsage u : GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData())
                .getGcInfo().getMemoryUsageAfterGc().values()) {
              used += u.getUsed();
            }
            peak.accumulateAndGet(used, Math::max);
          }
        };
        emitter.addNotificationListener(listener, null, null);
        removals.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException e) {
            // already gone
          }
        });
      }
    }
  }

  /** The peak in MB (0 if no collection ran). */
  double megabytes() {
    return peak.get() / 1048576.0;
  }

  @Override
  public void close() {
    removals.forEach(Runnable::run);
  }
}
