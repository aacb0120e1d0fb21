package io.wpsync.agent.capture;

import io.wpsync.core.scan.ScanRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a live agent captures local changes ({@code --mode live}).
 *
 * @param quiet a change is captured once the tree has been quiet this long (an unzip in progress
 *     is never captured half-way)
 * @param maxWait ... but no later than this after the first change of a burst
 * @param minInterval two captures start at least this far apart (rate limit)
 * @param rescan full rescan of the live tree this often, as a safety net behind the watcher
 * @param unwatchedRescan full rescan this often while part of the tree cannot be watched (watch limit)
 * @param excludes extra exclude globs (e.g. caches plugins keep under {@code plugins/})
 * @param tokenFile file holding the capture-scoped token the agent presents to the coordinator
 *     (null: proposals are refused by the coordinator)
 * @param coordinatorUrl where to propose (null: every coordinator found in ZooKeeper, in turn)
 * @param maxWatches directories watched at most (the kernel's limit applies as well)
 */
public record CaptureSettings(Duration quiet, Duration maxWait, Duration minInterval, Duration rescan,
    Duration unwatchedRescan, List<String> excludes, Path tokenFile, String coordinatorUrl, int maxWatches) {

  public CaptureSettings {
    requirePositive("--capture-quiet", quiet, true);
    requirePositive("--capture-max-wait", maxWait, false);
    if (maxWait.compareTo(quiet) < 0) {
      throw new IllegalArgumentException("--capture-max-wait (" + maxWait + ") must not be shorter than --capture-quiet ("
          + quiet + ")");
    }
    requirePositive("--capture-min-interval", minInterval, true);
    requirePositive("--capture-rescan", rescan, false);
    requirePositive("unwatched rescan", unwatchedRescan, false);
    excludes = List.copyOf(excludes);
    ScanRules.of(List.of(), excludes); // a malformed glob fails here, naming it
    if (maxWatches < 1) {
      throw new IllegalArgumentException("maxWatches must be at least 1, got " + maxWatches);
    }
    if (coordinatorUrl != null && !coordinatorUrl.matches("https?://.+")) {
      throw new IllegalArgumentException("--coordinator must be an http(s) URL, got '" + coordinatorUrl + "'");
    }
  }

  private static void requirePositive(String what, Duration d, boolean zeroOk) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || (!zeroOk && d.isZero())) {
      throw new IllegalArgumentException(what + " must be " + (zeroOk ? "zero or more" : "positive") + ", got " + d);
    }
  }

  /** Quiet 300 ms, max wait 10 s, at most one capture per second, rescan every 60 s (5 s when unwatched). */
  public static CaptureSettings defaults() {
    return new CaptureSettings(Duration.ofMillis(300), Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofSeconds(60), Duration.ofSeconds(5), List.of(), null, null, Integer.MAX_VALUE);
  }

  public CaptureSettings withQuiet(Duration v) {
    return new CaptureSettings(v, maxWait, minInterval, rescan, unwatchedRescan, excludes, tokenFile, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withMaxWait(Duration v) {
    return new CaptureSettings(quiet, v, minInterval, rescan, unwatchedRescan, excludes, tokenFile, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withMinInterval(Duration v) {
    return new CaptureSettings(quiet, maxWait, v, rescan, unwatchedRescan, excludes, tokenFile, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withRescan(Duration v) {
    return new CaptureSettings(quiet, maxWait, minInterval, v, unwatchedRescan, excludes, tokenFile, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withUnwatchedRescan(Duration v) {
    return new CaptureSettings(quiet, maxWait, minInterval, rescan, v, excludes, tokenFile, coordinatorUrl, maxWatches);
  }

  public CaptureSettings withExcludes(List<String> v) {
    return new CaptureSettings(quiet, maxWait, minInterval, rescan, unwatchedRescan, v, tokenFile, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withTokenFile(Path v) {
    return new CaptureSettings(quiet, maxWait, minInterval, rescan, unwatchedRescan, excludes, v, coordinatorUrl,
        maxWatches);
  }

  public CaptureSettings withCoordinatorUrl(String v) {
    return new CaptureSettings(quiet, maxWait, minInterval, rescan, unwatchedRescan, excludes, tokenFile, v,
        maxWatches);
  }

  public CaptureSettings withMaxWatches(int v) {
    return new CaptureSettings(quiet, maxWait, minInterval, rescan, unwatchedRescan, excludes, tokenFile,
        coordinatorUrl, v);
  }
}
