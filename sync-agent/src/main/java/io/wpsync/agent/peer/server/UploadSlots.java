package io.wpsync.agent.peer.server;

import java.util.concurrent.atomic.AtomicInteger;

/** The server-wide cap on pieces in flight; connections take and return slots. Thread-safe. */
final class UploadSlots {
  private final int max;
  private final AtomicInteger used = new AtomicInteger();

  UploadSlots(int max) {
    this.max = max;
  }

  boolean tryAcquire() {
    while (true) {
      int n = used.get();
      if (n >= max) {
        return false;
      }
      if (used.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Takes a slot even beyond the cap (for exempt uploads), so release() stays balanced. */
  void forceAcquire() {
    used.incrementAndGet();
  }

  void release() {
    used.decrementAndGet();
  }

  int inUse() {
    return used.get();
  }
}
