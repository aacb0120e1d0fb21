package io.wpsync.agent.peer;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs at most {@code perMinute} warnings a minute and counts the rest, so a flood of bad peers
 * cannot flood the log. Thread-safe.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final int perMinute;
  private final AtomicLong windowStart = new AtomicLong();
  private final AtomicLong inWindow = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();

  public RateLimitedLog(Logger log, int perMinute) {
    this.log = log;
    this.perMinute = perMinute;
  }

  public void warn(String format, Object... args) {
    long now = System.nanoTime();
    long start = windowStart.get();
    if (now - start > 60_000_000_000L && windowStart.compareAndSet(start, now)) {
      inWindow.set(0);
      long dropped = suppressed.getAndSet(0);
      if (dropped > 0) {
        log.warn("{} similar peer warnings suppressed in the last minute", dropped);
      }
    }
    if (inWindow.incrementAndGet() <= perMinute) {
      log.warn(format, args);
    } else {
      suppressed.incrementAndGet();
    }
  }
}
