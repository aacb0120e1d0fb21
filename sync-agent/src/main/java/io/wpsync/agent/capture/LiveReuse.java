package io.wpsync.agent.capture;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.release.ReleaseMaterializer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds, in the live tree, a file holding an entry's content: the same path if it is unchanged,
 * else any path with the same digest and mode. A recycled release asks for its few changed entries
 * (binary searches); a release built whole asks for every entry, so after {@link #SEARCHES} asks
 * the paths are indexed once. Thread-safe (the materializer asks from several threads).
 */
final class LiveReuse implements ReleaseMaterializer.Reuse {
  static final int SEARCHES = 256;
  private record Content(Digest digest, int mode) {}

  private final Path dir;
  private final Manifest have;
  private final AtomicInteger asked = new AtomicInteger();
  private volatile Map<String, ManifestEntry> byPath;
  private Map<Content, ManifestEntry> byContent; // guarded by this

  LiveReuse(Path dir, Manifest have) {
    this.dir = dir;
    this.have = have;
  }

  @Override
  public Path fileFor(ManifestEntry e) {
    ManifestEntry same = samePath(e.path());
    if (same != null && same.sameContent(e)) {
      return dir.resolve(e.path());
    }
    ManifestEntry x;
    synchronized (this) {
      if (byContent == null) {
        byContent = new HashMap<>();
        for (ManifestEntry y : have.entries()) {
          if (y.isFile()) {
            byContent.putIfAbsent(new Content(y.digest(), y.mode()), y);
          }
        }
      }
      x = byContent.get(new Content(e.digest(), e.mode()));
    }
    return x == null ? null : dir.resolve(x.path());
  }

  private ManifestEntry samePath(String path) {
    Map<String, ManifestEntry> index = byPath;
    if (index == null && asked.incrementAndGet() > SEARCHES) {
      synchronized (this) {
        index = byPath;
        if (index == null) {
          index = new HashMap<>(have.size() * 2);
          for (ManifestEntry y : have.entries()) {
            index.put(y.path(), y);
          }
          byPath = index;
        }
      }
    }
    return index != null ? index.get(path) : have.entry(path).orElse(null);
  }
}
