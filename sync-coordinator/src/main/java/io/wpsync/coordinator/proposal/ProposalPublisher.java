package io.wpsync.coordinator.proposal;

import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.release.ReplicationTimeoutException;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.store.ContentStore;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the tree a proposal resolved to as a release, with the same rule as an upload: the
 * manifest is stored and held by min(2, live coordinators) stores before the release znode is
 * created (a single coordinator publishes with one copy and says so). The creation runs under the
 * release-history lock with a guard, so the proposal is published only if the committed release
 * it was merged onto is still the committed one (compare-and-set).
 */
final class ProposalPublisher {
  private static final Logger log = LoggerFactory.getLogger(ProposalPublisher.class);
  private static final long LOCK_TIMEOUT_MILLIS = 30_000;

  /** The guard refused: the committed release moved meanwhile. */
  static final class StaleException extends RuntimeException {
    StaleException(String message) {
      super(message);
    }
  }

  private final ReleaseStore releases;
  private final ClusterStore cluster;
  private final ContentStore store;
  private final CoordinatorMetrics metrics;
  private final String selfId;
  private final Duration copyWait;
  private final LongSupplier clock;

  ProposalPublisher(ReleaseStore releases, ClusterStore cluster, ContentStore store, CoordinatorMetrics metrics,
      String selfId, Duration copyWait, LongSupplier clock) {
    this.releases = Objects.requireNonNull(releases, "releases");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    this.copyWait = Objects.requireNonNull(copyWait, "copyWait");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A manifest stored and held by enough stores: its size and the number of holders. */
  record Prepared(long bytes, int copies) {}

  /** Stores the manifest and waits until enough stores hold it. */
  Prepared prepare(Manifest m) throws Exception {
    byte[] bytes = ManifestCodec.encode(m);
    Digest id = store.put(bytes);
    String hex = id.hex();
    releases.addCopy(hex, selfId);
    long end = System.nanoTime() + copyWait.toNanos();
    while (true) {
      List<String> holders = releases.copyHolders(hex);
      int required = Math.min(2, Math.max(1, cluster.coordinators().size()));
      if (holders.size() >= required) {
        return new Prepared(bytes.length, holders.size());
      }
      if (System.nanoTime() > end) {
        throw new ReplicationTimeoutException(String.format("manifest %s is held by %s only; no second copy within %d s",
            id.shortHex(12), holders, copyWait.toSeconds()));
      }
      Thread.sleep(50);
    }
  }

  /**
   * Creates the release znode under the lock; {@code guard} runs under it first and returns null to
   * go on, or why not ({@link StaleException} is thrown then).
   */
  ReleaseInfo publish(Manifest m, Prepared prepared, String parent, String author, String message,
      Supplier<String> guard) throws Exception {
    int copies = prepared.copies();
    ReleaseInfo r = releases.publish(id -> {
      String refused = guard.get();
      if (refused != null) {
        throw new StaleException(refused);
      }
      return new ReleaseInfo(id, m.id().toString(), prepared.bytes(), parent, author, message, clock.getAsLong(), m.totalBytes(),
          m.fileCount(), copies);
    }, LOCK_TIMEOUT_MILLIS);
    metrics.releasePublished();
    if (copies < 2) {
      log.warn("release {} published with ONE copy (this coordinator's store {}): it is lost if this volume is; "
          + "run a second coordinator for two copies", r.id(), store.root());
    }
    log.info("release {} published from a local change: manifest {}, parent {}, {} copies, by {}", r.id(),
        m.id().shortHex(12), parent, copies, author);
    return r;
  }
}
