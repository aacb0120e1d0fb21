package io.wpsync.agent.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The capture's meters (tags with few values, never a path or an id). The watch gauges read the
 * live tree's {@link io.wpsync.agent.watch.WatchCoverage} when scraped; alert on
 * {@code wpsync_capture_watch_unwatched_directories > 0} (inotify limit) and on
 * {@code wpsync_capture_uncaptured_releases} staying above 0.
 */
final class CaptureMetrics {
  private final Counter events;
  private final Counter overflows;
  private final Timer scans;
  private final Counter proposed;
  private final Counter refused;
  private final Counter failed;
  private final Counter scanFailures;
  private final Counter repairs;

  CaptureMetrics(MeterRegistry registry, Supplier<io.wpsync.agent.watch.WatchCoverage> coverage,
      Supplier<Integer> uncaptured) {
    events = Counter.builder("wpsync.capture.events")
        .description("File events seen in the live tree (coalesced into captures by the quiet period)")
        .register(registry);
    overflows = Counter.builder("wpsync.capture.watch.overflows")
        .description("Times the kernel dropped file events (a full rescan follows)")
        .register(registry);
    scans = Timer.builder("wpsync.capture.scan.duration")
        .description("Time to rescan a live tree (cached digests make unchanged files cheap)")
        .register(registry);
    proposed = proposals(registry, "accepted");
    refused = proposals(registry, "refused");
    failed = proposals(registry, "failed");
    scanFailures = Counter.builder("wpsync.capture.scan.failures")
        .description("Rescans of a live tree that failed (unsafe path, unreadable file); retried on the next change")
        .register(registry);
    repairs = Counter.builder("wpsync.capture.repairs")
        .description("Paths of a live release put back to its manifest before it became current again (rollback)")
        .register(registry);
    Gauge.builder("wpsync.capture.watch.directories", coverage, c -> c.get().watched())
        .description("Directories of the live tree with a file watch")
        .register(registry);
    Gauge.builder("wpsync.capture.watch.unwatched.directories", coverage, c -> c.get().unwatched())
        .description("Directories of the live tree without a watch (inotify limit): covered by periodic rescans only")
        .register(registry);
    Gauge.builder("wpsync.capture.uncaptured.releases", uncaptured, Supplier::get)
        .description("Release directories that may hold writes not yet acknowledged by a coordinator (kept on disk)")
        .register(registry);
  }

  private static Counter proposals(MeterRegistry registry, String outcome) {
    return Counter.builder("wpsync.capture.proposals").tag("outcome", outcome)
        .description("Captured changes proposed to a coordinator, by outcome (failed ones are retried)")
        .register(registry);
  }

  void event() {
    events.increment();
  }

  void overflow() {
    overflows.increment();
  }

  void scanned(Duration took) {
    scans.record(took);
  }

  void proposed() {
    proposed.increment();
  }

  void refused() {
    refused.increment();
  }

  void failed() {
    failed.increment();
  }

  void scanFailed() {
    scanFailures.increment();
  }

  void repaired(int paths) {
    repairs.increment(paths);
  }
}
