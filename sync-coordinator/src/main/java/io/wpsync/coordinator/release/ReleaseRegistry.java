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
import io.wpsync.core.store.NoSuchObjectException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
   * @throws BaseConflictException if {@code draft.base()} is stale (see {@link #checkBase})
   * @throws ReplicationTimeoutException if too few stores held it in time (nothing published)
   */
  public ReleaseInfo create(Path root, ReleaseDraft draft) throws Exception {
    if (draft.base() != null) {
      checkBase(draft.base(), draft.allowStaleBase());
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
    return publish(m, draft, draft.base(), draft.allowStaleBase());
  }

  /**
   * Publishes a release that is {@code base} with the directory {@code replaced} (e.g. {@code
   * themes/twentytwentyfour}) replaced by what {@code root} holds there, as a theme or plugin
   * install does: files of the old version that the new one lacks are removed. The base is {@code
   * draft.base()}, else the committed release; objects of the base must be in this coordinator's
   * store (they are on every replica).
   *
   * @throws BaseConflictException if the base is stale, or none is given and nothing is committed
   * @throws EmptyReleaseException if the scan rules keep no file under {@code root/replaced}
   * @throws BaseUnavailableException if the base's manifest or objects are not in this store
   */
  public ReleaseInfo install(Path root, String replaced, ReleaseDraft draft) throws Exception {
    String baseId = draft.base();
    if (baseId != null) {
      checkBase(baseId, draft.allowStaleBase());
    } else {
      baseId = cluster.committed().map(v -> v.value().releaseId()).orElseThrow(() -> new BaseConflictException(
          "nothing is committed yet, so there is no release to install into; give base=<release id> or roll a "
              + "release out first"));
    }
    ReleaseInfo base = get(baseId);
    Manifest baseManifest;
    try {
      baseManifest = manifest(base);
    } catch (NoSuchObjectException e) {
      throw new BaseUnavailableException("the manifest of base release " + base.id() + " is not in this coordinator's "
          + "store yet (still replicating?); retry shortly or send the upload to the coordinator that holds it");
    }
    Manifest added;
    if (baseManifest.pieceSize() == scanner.pieceSize()) {
      added = scanner.scan(root);
    } else {
      try (Scanner s = scannerFor(baseManifest.pieceSize())) { // the merged manifest needs one piece size
        added = s.scan(root);
      }
    }
    List<ManifestEntry> mine = new ArrayList<>();
    for (ManifestEntry e : added.entries()) {
      if (e.path().equals(replaced) || e.path().startsWith(replaced + "/")) {
        mine.add(e);
      }
    }
    if (mine.stream().noneMatch(ManifestEntry::isFile)) {
      throw new EmptyReleaseException("the bundle holds no file the scan rules keep under " + replaced + "/");
    }
    List<ManifestEntry> merged = new ArrayList<>();
    Set<String> paths = new HashSet<>();
    for (ManifestEntry e : baseManifest.entries()) {
      if (!e.path().equals(replaced) && !e.path().startsWith(replaced + "/")) {
        merged.add(e);
        paths.add(e.path());
      }
    }
    merged.addAll(mine);
    for (ManifestEntry e : added.entries()) { // parent directories such as themes/ when the base has none
      if (!mine.contains(e) && paths.add(e.path())) {
        merged.add(e);
      }
    }
    Manifest m = Manifest.of(baseManifest.pieceSize(), merged);
    Set<Digest> fromBundle = new HashSet<>();
    for (ManifestEntry e : mine) {
      if (e.isFile() && fromBundle.add(e.digest())) {
        store.putFile(root.resolve(e.path()), e.digest());
      }
    }
    List<String> missing = new ArrayList<>();
    for (Digest d : m.objectDigests()) {
      if (!fromBundle.contains(d) && !store.contains(d)) {
        missing.add(d.shortHex(12));
      }
    }
    if (!missing.isEmpty()) {
      throw new BaseUnavailableException(missing.size() + " objects of base release " + base.id() + " are not in this "
          + "coordinator's store (e.g. " + missing.subList(0, Math.min(3, missing.size())) + "); retry once it has "
          + "replicated them");
    }
    return publish(m, draft, base.id(), draft.allowStaleBase());
  }

  private Scanner scannerFor(int pieceSize) {
    return Scanner.builder().rules(scanner.rules()).pieceSize(pieceSize).cache(scanner.cache()).build();
  }

  /**
   * Stores the manifest, waits for the copies, re-checks {@code base} (the committed release may
   * have moved while we worked) and publishes. {@code base} null means "the committed release, at
   * publication time".
   */
  private ReleaseInfo publish(Manifest m, ReleaseDraft draft, String base, boolean allowStale) throws Exception {
    byte[] encoded = ManifestCodec.encode(m);
    Digest manifestId = store.put(encoded);
    if (!manifestId.equals(m.id())) {
      throw new IllegalStateException("manifest id " + m.id() + " differs from the stored bytes' " + manifestId);
    }
    int copies = awaitCopies(manifestId);
    if (base != null) {
      checkBase(base, allowStale);
    }
    ReleaseInfo r = releases.publish(id -> new ReleaseInfo(id, manifestId.toString(), encoded.length,
        base != null ? base : committedId(), draft.author(), draft.message(), clock.getAsLong(), m.totalBytes(),
        m.fileCount(), copies), LOCK_TIMEOUT_MILLIS);
    metrics.releasePublished();
    if (copies < 2) {
      log.warn("release {} published with ONE copy (this coordinator's store {}): it is lost if this volume is; "
          + "run a second coordinator for two copies", r.id(), store.root());
    }
    log.info("release {} published: manifest {}, {} files, {} bytes, parent {}, {} copies, by {}: {}", r.id(),
        manifestId.shortHex(12), r.fileCount(), r.totalBytes(), r.parent(), copies, r.author(), r.message());
    return r;
  }

  /**
   * Refuses a base that does not exist (404) or, unless {@code allowStale}, a stale one (409): one
   * that is neither the committed release nor descends from it. A release made from a stale base
   * would silently undo what was committed after it; a base newer than the committed release (a
   * chain of not-yet-rolled-out releases) is fine.
   */
  public void checkBase(String baseId, boolean allowStale) throws Exception {
    ReleaseInfo base = get(baseId);
    if (allowStale) {
      return;
    }
    Optional<String> committed = cluster.committed().map(v -> v.value().releaseId());
    if (committed.isEmpty() || committed.get().equals(base.id())) {
      return;
    }
    String c = committed.get();
    ReleaseInfo at = base;
    // ids are sequential and a parent is older than its child: stop once below the committed id
    for (int i = 0; i < 100_000 && at.parent() != null && at.parent().compareTo(c) >= 0; i++) {
      if (at.parent().equals(c)) {
        return;
      }
      Optional<ReleaseInfo> next = releases.release(at.parent());
      if (next.isEmpty()) {
        break;
      }
      at = next.get();
    }
    throw new BaseConflictException(String.format("base %s is stale: the committed release is %s, and %s does not "
        + "build on it, so a release from %s would undo what %s brought; build on %s (omit base) or, if that is "
        + "what you want, allow a stale base (allowStaleBase=true; wpsync --allow-stale-base)", base.id(), c, base.id(),
        base.id(), c, c));
  }

  private String committedId() {
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

  /** A release with its manifest summary and its diff to its parent (when the manifests are in this store). */
  public ReleaseDetails details(String id) throws Exception {
    ReleaseInfo r = get(id);
    boolean committed = cluster.committed().map(c -> c.value().releaseId().equals(id)).orElse(false);
    Manifest mine;
    try {
      mine = manifest(r);
    } catch (IOException | ManifestFormatException | UnsafePathException e) {
      return ReleaseDetails.of(r, committed, null, null, "manifest unavailable on this coordinator: " + e.getMessage());
    }
    ReleaseDetails.Contents contents = ReleaseDetails.Contents.of(mine);
    if (r.parent() == null) {
      return ReleaseDetails.of(r, committed, contents, null, "no parent release");
    }
    Optional<ReleaseInfo> parent = releases.release(r.parent());
    if (parent.isEmpty()) {
      return ReleaseDetails.of(r, committed, contents, null, "parent " + r.parent() + " not found");
    }
    try {
      ManifestDiff d = ManifestDiff.between(manifest(parent.get()), mine);
      return ReleaseDetails.of(r, committed, contents, ReleaseDetails.Diff.of(parent.get().id(), d), null);
    } catch (IOException | ManifestFormatException | UnsafePathException e) {
      return ReleaseDetails.of(r, committed, contents, null, "diff unavailable on this coordinator: " + e.getMessage());
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
