package io.wpsync.coordinator.release;

import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestFormatException;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.ContentStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, lists and describes releases.
 *
 * <p>Guarantees of {@link #create}: the tree is scanned into a validated {@link Manifest}; every file
 * object and the manifest's canonical bytes are verified and fsynced into the origin store before
 * anything is published; the release appears in {@code /releases} only once at least min(2, live
 * coordinators) stores hold it (each store records itself in {@code /release-copies/<manifest>/}),
 * and its record says how many did. A lone coordinator publishes with one copy and warns. If the
 * copies do not arrive in time nothing is published. The parent is the committed release at
 * creation time (or the requested base), chosen under the release-history lock.
 *
 * <pre>{@code
 * ReleaseInfo r = registry.create(Path.of("/tmp/upload-tree"), new ReleaseDraft("alice", "theme 1.1", null));
 * ReleaseDetails d = registry.details(r.id()); // with the diff to its parent
 * }</pre>
 */
public final class ReleaseRegistry implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ReleaseRegistry.class);
  private static final long LOCK_TIMEOUT_MILLIS = 30_000;

  private final ReleaseStore releases;
  private final ClusterStore cluster;
  private final ContentStore store;
  private final Scanner scanner;
  private final String coordinatorId;
  private final Duration copyWait;
  private final CoordinatorMetrics metrics;
  private final LongSupplier clock;

  /**
   * @param copyWait how long {@link #create} waits for another coordinator's copy (design: ~60 s)
   */
  public ReleaseRegistry(ReleaseStore releases, ClusterStore cluster, ContentStore store, Scanner scanner,
      String coordinatorId, Duration copyWait, CoordinatorMetrics metrics, LongSupplier clock) {
    this.releases = Objects.requireNonNull(releases, "releases");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.scanner = Objects.requireNonNull(scanner, "scanner");
    this.coordinatorId = Objects.requireNonNull(coordinatorId, "coordinatorId");
    this.copyWait = Objects.requireNonNull(copyWait, "copyWait");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Publishes the tree under {@code root} as a new release.
   *
   * @throws EmptyReleaseException if the scan rules keep no file from the tree
   * @throws UnsafePathException if the tree holds a path a manifest refuses (e.g. a symlink leaving it)
   * @throws NoSuchReleaseException if {@code draft.base()} names no release
   * @throws ReplicationTimeoutException if too few stores held it in time (nothing published)
   */
  public ReleaseInfo create(Path root, ReleaseDraft draft) throws Exception {
    if (draft.base() != null && releases.release(draft.base()).isEmpty()) {
      throw new NoSuchReleaseException(draft.base());
    }
    Manifest m = scanner.scan(root);
    if (m.fileCount() == 0) {
      throw new EmptyReleaseException("the tree holds no file the scan rules keep (themes/, plugins/, "
          + "mu-plugins/, languages/ and top-level files; uploads/ and caches are excluded): send the contents "
          + "of wp-content, not a directory that contains it");
    }
    for (ManifestEntry e : m.uniqueObjects()) {
      store.putFile(root.resolve(e.path()), e.digest());
    }
    byte[] encoded = ManifestCodec.encode(m);
    Digest manifestId = store.put(encoded);
    if (!manifestId.equals(m.id())) {
      throw new IllegalStateException("manifest id " + m.id() + " differs from the stored bytes' " + manifestId);
    }
    int copies = awaitCopies(manifestId);
    ReleaseInfo r = releases.publish(id -> new ReleaseInfo(id, manifestId.toString(), encoded.length,
        parentFor(draft), draft.author(), draft.message(), clock.getAsLong(), m.totalBytes(), m.fileCount(), copies),
        LOCK_TIMEOUT_MILLIS);
    metrics.releasePublished();
    if (copies < 2) {
      log.warn("release {} published with ONE copy (this coordinator's store {}): it is lost if this volume is; "
          + "run a second coordinator for two copies", r.id(), store.root());
    }
    log.info("release {} published: manifest {}, {} files, {} bytes, parent {}, {} copies, by {}: {}", r.id(),
        manifestId.shortHex(12), r.fileCount(), r.totalBytes(), r.parent(), copies, r.author(), r.message());
    return r;
  }

  private String parentFor(ReleaseDraft draft) {
    if (draft.base() != null) {
      return draft.base();
    }
    try {
      return cluster.committed().map(Versioned::value).map(CommittedRelease::releaseId).orElse(null);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read /committed to choose the parent: " + e.getMessage(), e);
    }
  }

  /** Records this store's copy and waits until min(2, live coordinators) stores hold the release. */
  private int awaitCopies(Digest manifestId) throws Exception {
    String hex = manifestId.hex();
    releases.addCopy(hex, coordinatorId);
    long end = System.nanoTime() + copyWait.toNanos();
    while (true) {
      List<String> holders = releases.copyHolders(hex);
      int live = Math.max(1, cluster.coordinators().size());
      int required = Math.min(2, live);
      if (holders.size() >= required) {
        return holders.size();
      }
      if (System.nanoTime() > end) {
        throw new ReplicationTimeoutException(String.format(
            "manifest %s is held by %s only; %d live coordinators but no second copy within %d s "
                + "(is the standby's p2p port reachable and does it share the cluster secret?); nothing was published",
            manifestId.shortHex(12), holders, live, copyWait.toSeconds()));
      }
      Thread.sleep(100);
    }
  }

  /** Every release, oldest first. */
  public List<ReleaseInfo> list() throws Exception {
    return releases.releases();
  }

  public ReleaseInfo get(String id) throws Exception {
    return releases.release(id).orElseThrow(() -> new NoSuchReleaseException(id));
  }

  /** A release with its diff to its parent (when both manifests are in this coordinator's store). */
  public ReleaseDetails details(String id) throws Exception {
    ReleaseInfo r = get(id);
    boolean committed = cluster.committed().map(c -> c.value().releaseId().equals(id)).orElse(false);
    if (r.parent() == null) {
      return ReleaseDetails.of(r, committed, null, "no parent release");
    }
    Optional<ReleaseInfo> parent = releases.release(r.parent());
    if (parent.isEmpty()) {
      return ReleaseDetails.of(r, committed, null, "parent " + r.parent() + " not found");
    }
    try {
      ManifestDiff d = ManifestDiff.between(manifest(parent.get()), manifest(r));
      return ReleaseDetails.of(r, committed, ReleaseDetails.Diff.of(parent.get().id(), d), null);
    } catch (IOException | ManifestFormatException | UnsafePathException e) {
      return ReleaseDetails.of(r, committed, null, "diff unavailable on this coordinator: " + e.getMessage());
    }
  }

  /** A release's manifest, read from the origin store. */
  public Manifest manifest(ReleaseInfo r) throws IOException, ManifestFormatException, UnsafePathException {
    return ManifestCodec.decode(store.read(Digest.parse(r.manifestId())));
  }

  @Override
  public void close() {
    scanner.close();
  }
}
