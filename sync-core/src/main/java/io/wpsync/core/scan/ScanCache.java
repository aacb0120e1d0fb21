package io.wpsync.core.scan;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.wpsync.core.hash.FileDigests;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Remembers file digests by (relative path, piece size, {@link FileStamp}), so a rescan of an
 * unchanged tree reads attributes only, never contents.
 *
 * <p>A hit requires the same path, size, mtime, ctime, device and inode as when the digest was
 * computed: a rewrite, a {@code touch -d} (changes ctime) or a replace-by-rename (changes the inode)
 * all miss. File times have a coarse granularity (a kernel tick), so a file rewritten with the same
 * size within one tick of being hashed would keep its stamp; such "racy" results are not stored:
 * a digest is cached only if the file's ctime is older than {@code racyWindow} before hashing began.
 * Bounded by entry count (least-recently/frequently used entries are evicted); statistics are
 * recorded for metrics.
 */
public final class ScanCache {
  /** Default bound: about 250 bytes per entry, so ~125 MB at most, far above a real wp-content. */
  public static final long DEFAULT_MAX_ENTRIES = 500_000;
  /** Default racy window: generous against coarse and network file system clocks. */
  public static final Duration DEFAULT_RACY_WINDOW = Duration.ofSeconds(2);

  private record Key(String path, int pieceSize, FileStamp stamp) { }

  private final Cache<Key, FileDigests> cache;
  private final long racyWindowNanos;
  private final Clock clock;
  private final boolean ctimeInKey;

  /** A cache with the default bound and racy window on the system clock. */
  public ScanCache() {
    this(DEFAULT_MAX_ENTRIES, DEFAULT_RACY_WINDOW, Clock.systemUTC());
  }

  public ScanCache(long maxEntries, Duration racyWindow, Clock clock) {
    this(maxEntries, racyWindow, clock, true);
  }

  /**
   * A cache that leaves {@code ctime} out of its key when {@code ctimeInKey} is false: for trees
   * whose files are hard-linked into other trees (a LIVE release shares unchanged files with the
   * release built from it), where every link or unlink elsewhere changes a shared inode's ctime and
   * would make each rescan read everything again. Its racy-window rule then applies to mtime. The
   * price: a same-size rewrite of the same inode whose mtime is forged back ({@code touch -d}) is
   * not seen; callers that learn of a change another way (a file watcher) {@link #invalidate} the
   * path first.
   */
  public ScanCache(long maxEntries, Duration racyWindow, Clock clock, boolean ctimeInKey) {
    if (maxEntries < 0 || racyWindow.isNegative()) {
      throw new IllegalArgumentException("maxEntries " + maxEntries + " and racyWindow " + racyWindow
          + " must not be negative");
    }
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).recordStats().build();
    this.racyWindowNanos = racyWindow.toNanos();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ctimeInKey = ctimeInKey;
  }

  /** A cache for hard-linked live trees: default bound and racy window, ctime left out of the key. */
  public static ScanCache ignoringCtime() {
    return new ScanCache(DEFAULT_MAX_ENTRIES, DEFAULT_RACY_WINDOW, Clock.systemUTC(), false);
  }

  private FileStamp key(FileStamp s) {
    return ctimeInKey ? s : new FileStamp(s.mode(), s.size(), s.mtimeNanos(), 0, s.dev(), s.ino());
  }

  /** The digests remembered for exactly this stamp, or null. */
  public FileDigests lookup(String path, int pieceSize, FileStamp stamp) {
    return cache.getIfPresent(new Key(path, pieceSize, key(stamp)));
  }

  /** The clock reading to pass to {@link #store} as the moment hashing began. */
  public Instant now() {
    return clock.instant();
  }

  /**
   * Remembers {@code digests} for {@code stamp}, unless the file changed too recently before
   * {@code hashStarted} to trust its stamp (see class comment). Returns whether it was stored.
   */
  public boolean store(String path, int pieceSize, FileStamp stamp, FileDigests digests, Instant hashStarted) {
    if (digests.size() != stamp.size()) {
      throw new IllegalArgumentException(path + ": digests of " + digests.size()
          + " bytes for a stamp of " + stamp.size() + " bytes");
    }
    long started = TimeUnit.SECONDS.toNanos(hashStarted.getEpochSecond()) + hashStarted.getNano();
    long changed = ctimeInKey ? stamp.ctimeNanos() : stamp.mtimeNanos();
    if (changed >= started - racyWindowNanos) {
      return false;
    }
    cache.put(new Key(path, pieceSize, key(stamp)), digests);
    return true;
  }

  /** Hits, misses and evictions since creation. */
  public CacheStats stats() {
    return cache.stats();
  }

  /** Entries held now (approximate, as Caffeine reports it). */
  public long size() {
    return cache.estimatedSize();
  }

  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** Forgets every digest remembered for these paths (one pass over the cache). */
  public void invalidate(java.util.Collection<String> paths) {
    if (paths.isEmpty()) {
      return;
    }
    java.util.Set<String> set = paths instanceof java.util.Set<String> ps ? ps : new java.util.HashSet<>(paths);
    cache.asMap().keySet().removeIf(k -> set.contains(k.path()));
  }

  /**
   * Registers Micrometer's Caffeine meters for this cache ({@code cache_gets_total{result=hit|miss}},
   * {@code cache_size}, {@code cache_evictions_total}, ...) with tag {@code cache=name}.
   */
  public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry, String name) {
    io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics.monitor(registry, cache, name);
  }
}
