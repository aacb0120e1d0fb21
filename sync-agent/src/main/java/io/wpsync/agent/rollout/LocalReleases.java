package io.wpsync.agent.rollout;

import io.wpsync.agent.fetch.FetchException;
import io.wpsync.agent.fetch.FetchListener;
import io.wpsync.agent.fetch.FetchResult;
import io.wpsync.agent.peer.PeerAddress;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.store.CorruptManifestException;
import io.wpsync.core.store.ManifestCache;
import io.wpsync.core.release.ReleaseLayout;
import io.wpsync.core.release.ReleaseMaterializer;
import io.wpsync.core.release.ReleaseRecord;
import io.wpsync.core.release.ReleaseRetention;
import io.wpsync.core.release.ReleaseSwitch;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.DigestMismatchException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link ReleaseWorkspace}: the swarm download into the content store, the
 * materializer's {@code releases/<id>} (built in a staging directory, fsynced, renamed), the atomic
 * {@code current} switch, and retention followed by store garbage collection.
 *
 * <p>Staging maps failures to the {@link StageException.Cause} a human acts on: no space left on
 * the device is DISK_FULL, a digest that does not match (or a bad manifest) is VERIFICATION, a
 * download that ran out of time is FETCH_TIMEOUT. Garbage collection keeps every object (and the
 * manifest) of every release retention kept, so it never removes what {@code current} or a staged
 * release needs.
 */
public final class LocalReleases implements ReleaseWorkspace {
  private static final Logger LOG = LoggerFactory.getLogger(LocalReleases.class);

  /** Downloads a manifest and its objects within a time limit (a {@code SwarmFetcher} per call). */
  @FunctionalInterface
  public interface Downloader {
    FetchResult fetch(Digest manifestId, List<PeerAddress> peers, Duration timeout, FetchListener listener)
        throws IOException, InterruptedException;
  }

  /** Where to download a release from, asked anew for each download. */
  @FunctionalInterface
  public interface Sources {
    List<PeerAddress> forRelease(String releaseId);
  }

  private final ContentStore store;
  private final ManifestCache manifests;
  private final ReleaseLayout layout;
  private final ReleaseMaterializer materializer;
  private final ReleaseSwitch releaseSwitch;
  private final ReleaseRetention retention;
  private final Downloader downloader;
  private final Sources sources;
  private final Clock clock;
  private volatile LiveTreeHooks live;
  private final io.wpsync.core.release.ReleaseRecycler recycler;
  /**
   * Releases retention would delete, kept to be recycled into the next ones instead (newest first).
   * Two, not one: a left tree that settles just after a clean-up would otherwise leave the next
   * release without a spare (built whole) and the one after with two (one deleted, 20,000 unlinks).
   */
  static final int SPARES = 2;
  private final java.util.Deque<String> spares = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private long lastGcMillis;
  /**
   * Live mode: store GC runs at most this often (it decodes the manifest of every retained release;
   * with a release per captured change and 20,000-entry trees that is seconds of CPU each time).
   */
  static final long LIVE_GC_INTERVAL_MS = 10 * 60_000;

  public LocalReleases(ManifestCache manifests, ReleaseLayout layout, ReleaseMaterializer materializer,
      ReleaseSwitch releaseSwitch, ReleaseRetention retention, Downloader downloader, Sources sources, Clock clock) {
    this.manifests = manifests;
    this.store = manifests.store();
    this.layout = layout;
    this.materializer = materializer;
    this.releaseSwitch = releaseSwitch;
    this.retention = retention;
    this.downloader = downloader;
    this.sources = sources;
    this.clock = clock;
    this.recycler = new io.wpsync.core.release.ReleaseRecycler(layout, store, materializer.options(), clock);
  }

  /**
   * Live mode: new releases reuse the live tree's files, switches and retention go through the
   * local-change capture so no write is lost (see {@link LiveTreeHooks}).
   */
  public void useLiveTree(LiveTreeHooks hooks) {
    this.live = hooks;
  }

  @Override
  public String current() throws IOException {
    return releaseSwitch.current().orElse(null);
  }

  @Override
  public boolean isStaged(String releaseId) throws IOException {
    return layout.isComplete(releaseId);
  }

  @Override
  public void stage(String releaseId, String manifestIdText, long deadlineMillis, FetchProgress progress)
      throws StageException, InterruptedException {
    Digest manifestId;
    try {
      manifestId = Digest.parse(manifestIdText);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new StageException(StageException.Cause.UNKNOWN_RELEASE,
          "release " + releaseId + " names no valid manifest id ('" + manifestIdText + "')");
    }
    try {
      Optional<ReleaseRecord> existing = layout.isComplete(releaseId) ? layout.record(releaseId) : Optional.empty();
      if (existing.isPresent()) {
        if (existing.get().manifestId().equals(manifestId)) {
          return;
        }
        throw new StageException(StageException.Cause.VERIFICATION, String.format(
            "releases/%s already holds manifest %s, not %s", releaseId, existing.get().manifestId(), manifestId));
      }
      long timeout = deadlineMillis - clock.millis();
      if (timeout <= 0) {
        throw new StageException(StageException.Cause.FETCH_TIMEOUT, "no time left before the deadline to fetch "
            + releaseId);
      }
      long started = System.nanoTime();
      FetchResult result = fetchWithRetries(releaseId, manifestId, deadlineMillis, progress);
      long fetched = System.nanoTime();
      Manifest manifest = manifests.get(manifestId);
      progress.totals(manifest.totalBytes(), result.pieceCount());
      LiveTreeHooks hooks = live;
      String how = "built";
      if (hooks == null) {
        if (recycleReadOnlySpare(releaseId, manifest)) {
          how = "recycled";
        } else {
          materializer.materialize(releaseId, manifest);
        }
      } else {
        var reuse = hooks.reuseFor(releaseId);
        if (recycleSpare(hooks, releaseId, manifest, reuse)) {
          how = "recycled";
        } else {
          materializer.materialize(releaseId, manifest, reuse);
        }
        hooks.staged(releaseId);
      }
      LOG.info("staged {} ({} files, {} bytes; fetched {} pieces, {} bytes, {} already held) in {} ms: fetch {} ms, "
          + "{} in {} ms", releaseId, manifest.fileCount(), manifest.totalBytes(), result.piecesFetched(),
          result.bytesFetched(), result.piecesPresent(), (System.nanoTime() - started) / 1_000_000,
          (fetched - started) / 1_000_000, how, (System.nanoTime() - fetched) / 1_000_000);
    } catch (StageException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // e.g. a --link name that collides with a path of the release: this agent can never stage it
      throw new StageException(StageException.Cause.NOT_MATERIALIZABLE, releaseId + ": " + e.getMessage(), e);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new StageException(StageException.Cause.NOT_MATERIALIZABLE, releaseId + " exists locally with other content: "
          + e.getMessage(), e);
    } catch (DigestMismatchException e) {
      throw new StageException(StageException.Cause.VERIFICATION, e.getMessage(), e);
    } catch (FetchException e) {
      if (isDiskFull(e)) { // the swarm stores pieces as they come: a full disk surfaces as a failed fetch
        throw new StageException(StageException.Cause.DISK_FULL, "no space left on device while staging "
            + releaseId + " (" + e.getMessage() + "); free space under " + layout.root() + " and "
            + store.root(), e);
      }
      boolean late = clock.millis() >= deadlineMillis;
      throw new StageException(late ? StageException.Cause.FETCH_TIMEOUT : StageException.Cause.FETCH_FAILED,
          releaseId + ": " + e.getMessage(), e);
    } catch (CorruptManifestException e) {
      throw new StageException(StageException.Cause.VERIFICATION, e.getMessage(), e);
    } catch (IOException e) {
      if (isDiskFull(e)) {
        throw new StageException(StageException.Cause.DISK_FULL, "no space left on device while staging "
            + releaseId + " (" + e.getMessage() + "); free space under " + layout.root() + " and "
            + store.root(), e);
      }
      throw new StageException(StageException.Cause.IO, releaseId + ": " + e, e);
    }
  }

  /** The newest spare kept by the last clean-up that is still a complete release other than current; used once. */
  private String takeSpare() throws IOException {
    for (String s = spares.pollFirst(); s != null; s = spares.pollFirst()) {
      if (!s.equals(current()) && layout.isComplete(s)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Live mode: turns the spare release (one retention would have deleted) into {@code releaseId} by
   * applying only the difference, after rescanning what the spare really holds. False if there is
   * no usable spare; the release is then built anew.
   */
  private boolean recycleSpare(LiveTreeHooks hooks, String releaseId, Manifest manifest,
      io.wpsync.core.release.ReleaseMaterializer.Reuse reuse) throws IOException {
    String s = takeSpare();
    if (s == null) {
      return false;
    }
    LiveTreeHooks.Holdings holds = hooks.holds(s);
    if (holds == null) {
      return false;
    }
    return recycler.recycle(s, holds.manifest(), holds.unlisted(), releaseId, manifest, reuse).isPresent();
  }

  /**
   * Read-only mode: turns the spare into {@code releaseId} by its difference from the spare's own
   * manifest (nothing but a root process can write into a read-only release, see {@link
   * io.wpsync.core.release.ReleaseMode#READ_ONLY}); every directory is still listed for anything the
   * manifest does not hold. False if there is no usable spare.
   */
  private boolean recycleReadOnlySpare(String releaseId, Manifest manifest) throws IOException {
    String s = takeSpare();
    if (s == null) {
      return false;
    }
    Optional<ReleaseRecord> record = layout.record(s);
    if (record.isEmpty()) {
      return false;
    }
    Manifest holds;
    try {
      holds = manifests.get(record.get().manifestId());
    } catch (IOException e) {
      LOG.info("{}: not recycled ({})", s, e.toString());
      return false;
    }
    return recycler.recycle(s, holds, null, releaseId, manifest, io.wpsync.core.release.ReleaseMaterializer.Reuse.NONE)
        .isPresent();
  }

  /**
   * Downloads until it succeeds or the deadline passes: a failed attempt (a stalled or lost peer,
   * no source for a piece yet, or an attempt that used up its third of the remaining time) is
   * retried with fresh sources after a short pause; pieces verified
   * by earlier attempts are kept, so a retry only fetches what is missing.
   */
  private FetchResult fetchWithRetries(String releaseId, Digest manifestId, long deadlineMillis, FetchProgress progress)
      throws IOException, InterruptedException {
    FetchListener listener = new FetchListener() {
      @Override
      public void onStart(int total, int present) {
        progress.totals(0, total);
        progress.done(0, present);
      }

      @Override
      public void onPiece(int done, int total, long bytes, boolean fromOrigin) {
        progress.addPiece(bytes);
        progress.done(progress.bytesDone(), done);
      }
    };
    for (int attempt = 1; ; attempt++) {
      long left = deadlineMillis - clock.millis();
      if (left <= 0) {
        throw new FetchException("deadline passed after " + (attempt - 1) + " attempt(s)");
      }
      try {
        List<PeerAddress> peers = sources.forRelease(releaseId);
        LOG.info("fetching {} (manifest {}) from {} sources, {} of them origins", releaseId, manifestId.shortHex(12),
            peers.size(), peers.stream().filter(PeerAddress::origin).count());
        // a third of the time left per attempt (at least 10 s): a download stuck on bad sources
        // is abandoned and retried with fresh ones well before the deadline
        long attemptMillis = Math.min(left, Math.max(10_000, left / 3));
        return downloader.fetch(manifestId, peers, Duration.ofMillis(attemptMillis), listener);
      } catch (FetchException e) {
        if (isDiskFull(e)) {
          throw e; // other sources cannot help: report it now instead of retrying until the deadline
        }
        long pause = Math.min(5_000, 250L << Math.min(attempt - 1, 5));
        if (clock.millis() + pause >= deadlineMillis) {
          throw e;
        }
        LOG.warn("fetch of {} (attempt {}) failed: {}; retrying in {} ms", releaseId, attempt, e.getMessage(), pause);
        Thread.sleep(pause);
      }
    }
  }

  static boolean isDiskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
      if (m != null && (m.toLowerCase(Locale.ROOT).contains("no space left") || m.contains("ENOSPC")
          || m.toLowerCase(Locale.ROOT).contains("disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public long switchTo(String releaseId) throws IOException {
    LiveTreeHooks hooks = live;
    if (hooks == null) {
      releaseSwitch.switchTo(releaseId);
      return clock.millis();
    }
    long[] at = new long[1];
    hooks.aroundSwitch(current(), releaseId, () -> {
      releaseSwitch.switchTo(releaseId);
      at[0] = clock.millis();
    });
    return at[0];
  }

  /**
   * Unpins: the directory stays while retention keeps it among the last K (a retry of the same
   * target is then instant) and goes with the next {@link #cleanUp} otherwise.
   */
  @Override
  public void discard(String releaseId) throws IOException {
    if (releaseId.equals(current())) {
      throw new IllegalStateException("cannot discard " + releaseId + ": it is current");
    }
  }

  @Override
  public void cleanUp(Set<String> pinned) throws IOException {
    LiveTreeHooks hooks = live;
    pinned = new HashSet<>(pinned);
    if (hooks != null) {
      pinned.addAll(hooks.uncaptured()); // never delete a directory that may hold uncaptured writes
    }
    List<String> removable = retention.removable(pinned);
    List<String> kept = removable.subList(0, Math.min(SPARES, removable.size())); // recycled into the next releases instead
    spares.clear();
    spares.addAll(kept);
    pinned.addAll(kept);
    ReleaseRetention.Result r = retention.cleanup(pinned);
    if (!r.removed().isEmpty()) {
      LOG.info("retention removed releases {}; kept {}", r.removed(), r.kept());
    }
    if (hooks != null) {
      // live mode switches often (every captured change): decoding every retained release's manifest
      // after each switch would cost seconds of CPU with 20,000-file trees; objects of deleted or
      // recycled releases are collected at most every ten minutes instead
      long now = clock.millis();
      if (now - lastGcMillis < LIVE_GC_INTERVAL_MS) {
        return;
      }
      lastGcMillis = now;
    }
    Set<Digest> keep = new HashSet<>();
    for (String id : layout.releaseIds()) {
      Optional<ReleaseRecord> record = layout.record(id);
      if (record.isEmpty()) {
        continue;
      }
      Digest m = record.get().manifestId();
      keep.add(m);
      try {
        keep.addAll(manifests.get(m).objectDigests());
      } catch (IOException e) {
        // without its manifest we cannot know what the release references: collect nothing
        LOG.warn("store GC skipped: cannot read manifest {} of release {}: {}", m, id, e.getMessage());
        return;
      }
    }
    if (hooks != null) {
      keep.addAll(hooks.objectsToKeep());
    }
    var gc = store.gc(keep);
    if (gc.objectsRemoved() > 0) {
      LOG.info("store GC removed {} objects ({} bytes)", gc.objectsRemoved(), gc.bytesRemoved());
    }
  }
}
