package io.wpsync.agent.peer.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.wpsync.core.hash.Digest;
import java.time.Duration;

/**
 * An origin's memory of which pieces it sent recently, so it can send each piece once and let the
 * swarm spread it ("serve pieces nobody has yet before duplicates"). Bounded in size and time.
 * With a zero window every request is allowed. Thread-safe.
 */
final class SeedLedger {
  private record Key(Digest object, int index) {}

  private final Cache<Key, Boolean> recent;

  SeedLedger(Duration window) {
    this.recent = window.isZero() ? null
        : Caffeine.newBuilder().expireAfterWrite(window).maximumSize(1_000_000).build();
  }

  /** True if the piece may be sent now (and records it); false if it was sent within the window. */
  boolean tryServe(Digest object, int index) {
    if (recent == null) {
      return true;
    }
    return recent.asMap().putIfAbsent(new Key(object, index), Boolean.TRUE) == null;
  }

  /** Forgets a piece whose send failed, so the next asker gets it. */
  void unserve(Digest object, int index) {
    if (recent != null) {
      recent.invalidate(new Key(object, index));
    }
  }
}
