package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestFormatException;
import io.wpsync.core.manifest.UnsafePathException;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Manifests of one content store, decoded and validated once and shared by every part of a daemon
 * that reads them (fetches, staging, the peer server, capture, proposals): decoding a 20,000-entry
 * manifest costs tens of milliseconds, and one release used to be decoded five times per agent.
 * Manifests are immutable by id, so a cached one is never stale. Bounded by the total number of
 * entries held, least recently used out first (plain LRU on purpose: the manifest used next is
 * almost always the newest one, which a frequency-based policy would be slow to admit); the
 * newest manifest is always kept, even alone over the budget. Thread-safe.
 *
 * <pre>{@code
 * ManifestCache manifests = new ManifestCache(store, ManifestCache.DEFAULT_MAX_ENTRIES);
 * Manifest m = manifests.get(manifestId); // NoSuchObjectException if the store lacks it
 * }</pre>
 */
public final class ManifestCache {
  /**
   * Entries held at most by default: fifty 20,000-file trees. Entries are interned ({@link
   * Manifest}), so versions of one tree share them and each cached version costs little more than
   * its entry array (about 80 KB at 20,000 entries); a live agent keeps every retained release's
   * manifest at hand this way (staging, recycling and capture read them again and again).
   */
  public static final long DEFAULT_MAX_ENTRIES = 1_000_000;

  private final ContentStore store;
  private final long maxEntries;
  private final Map<Digest, Manifest> lru = new LinkedHashMap<>(16, 0.75f, true); // guarded by this
  private long weight; // guarded by this

  public ManifestCache(ContentStore store, long maxEntries) {
    this.store = Objects.requireNonNull(store, "store");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
  }

  /** A cache of {@link #DEFAULT_MAX_ENTRIES} over {@code store}. */
  public static ManifestCache over(ContentStore store) {
    return new ManifestCache(store, DEFAULT_MAX_ENTRIES);
  }

  /** The store the manifests are read from. */
  public ContentStore store() {
    return store;
  }

  /** True if the manifest is cached or the store holds an object with that digest. */
  public boolean contains(Digest id) {
    synchronized (this) {
      if (lru.containsKey(id)) {
        return true;
      }
    }
    return store.contains(id);
  }

  /**
   * The manifest {@code id}, from the cache or the store.
   *
   * @throws NoSuchObjectException if the store does not hold it
   * @throws CorruptManifestException if the stored bytes are not a valid manifest (it names it)
   * @throws IOException if reading the store fails
   */
  public Manifest get(Digest id) throws IOException {
    Manifest m;
    synchronized (this) {
      m = lru.get(id);
    }
    if (m != null) {
      return m;
    }
    try {
      m = ManifestCodec.decode(store.read(id));
    } catch (ManifestFormatException | UnsafePathException e) {
      throw new CorruptManifestException(id, e);
    }
    put(m);
    return m;
  }

  /** Remembers a manifest just built or decoded (it need not be in the store yet). */
  public synchronized void put(Manifest m) {
    Manifest old = lru.put(m.id(), m);
    weight += weigh(m) - (old == null ? 0 : weigh(old));
    Iterator<Manifest> eldest = lru.values().iterator();
    while (weight > maxEntries && lru.size() > 1) {
      weight -= weigh(eldest.next());
      eldest.remove();
    }
  }

  private static long weigh(Manifest m) {
    return Math.max(1, m.size());
  }

  /** Entries held now (for tests and metrics). */
  public synchronized long weight() {
    return weight;
  }
}
