package io.wpsync.coordinator.proposal;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestFormatException;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.store.ContentStore;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The few manifests proposals keep using (the committed release's, the bases, the latest captures),
 * decoded once: decoding and validating a 20,000-entry manifest costs tens of milliseconds, and a
 * proposal needs three of them. Manifests are immutable by id, so a cached one is never stale.
 * Least recently used first out; thread-safe.
 */
public final class ManifestCache {
  private final ContentStore store;
  private final Map<Digest, Manifest> lru;

  public ManifestCache(ContentStore store, int capacity) {
    this.store = Objects.requireNonNull(store, "store");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.lru = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, Manifest> eldest) {
        return size() > capacity;
      }
    };
  }

  /** True if the store holds the manifest. */
  public boolean contains(Digest id) {
    synchronized (lru) {
      if (lru.containsKey(id)) {
        return true;
      }
    }
    return store.contains(id);
  }

  /**
   * The manifest {@code id}, from the cache or the store.
   *
   * @throws io.wpsync.core.store.NoSuchObjectException if the store does not hold it
   * @throws IOException if the stored bytes are not a valid manifest (it names it)
   */
  public Manifest get(Digest id) throws IOException {
    synchronized (lru) {
      Manifest m = lru.get(id);
      if (m != null) {
        return m;
      }
    }
    Manifest m;
    try {
      m = ManifestCodec.decode(store.read(id));
    } catch (ManifestFormatException | UnsafePathException e) {
      throw new IOException("stored manifest " + id + " is unreadable: " + e.getMessage(), e);
    }
    put(m);
    return m;
  }

  /** Remembers a manifest just built or decoded. */
  public void put(Manifest m) {
    synchronized (lru) {
      lru.put(m.id(), m);
    }
  }
}
