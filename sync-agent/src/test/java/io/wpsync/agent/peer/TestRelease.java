package io.wpsync.agent.peer;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A synthetic release for tests: random file contents (deterministic from a seed), their manifest
 * with piece digests, and a way to store it all in a {@link ContentStore} (an origin).
 */
public final class TestRelease {
  public final Manifest manifest;
  public final byte[] manifestBytes;
  public final Map<Digest, byte[]> objects;

  private TestRelease(Manifest manifest, Map<Digest, byte[]> objects) {
    this.manifest = manifest;
    this.manifestBytes = ManifestCodec.encode(manifest);
    this.objects = objects;
  }

  public Digest id() {
    return manifest.id();
  }

  public long objectBytes() {
    return objects.values().stream().mapToLong(b -> b.length).sum();
  }

  /**
   * {@code smallFiles} files of 1..{@code smallMax} bytes, {@code bigFiles} of {@code bigSize} bytes
   * (several pieces each), one empty file and one duplicate.
   */
  public static TestRelease generate(long seed, int pieceSize, int smallFiles, int smallMax, int bigFiles,
      int bigSize) throws Exception {
    Random r = new Random(seed);
    Map<Digest, byte[]> objects = new LinkedHashMap<>();
    List<ManifestEntry> entries = new ArrayList<>();
    entries.add(ManifestEntry.directory("uploads", 0755));
    for (int i = 0; i < smallFiles; i++) {
      byte[] b = new byte[1 + r.nextInt(smallMax)];
      r.nextBytes(b);
      entries.add(file("uploads/s" + i + ".jpg", b, pieceSize, objects));
    }
    for (int i = 0; i < bigFiles; i++) {
      byte[] b = new byte[bigSize];
      r.nextBytes(b);
      entries.add(file("uploads/big" + i + ".mp4", b, pieceSize, objects));
    }
    entries.add(file("uploads/empty.txt", new byte[0], pieceSize, objects));
    if (smallFiles > 0) {
      entries.add(file("uploads/copy-of-s0.jpg", objects.values().iterator().next(), pieceSize, objects));
    }
    return new TestRelease(Manifest.of(pieceSize, entries), objects);
  }

  private static ManifestEntry file(String path, byte[] b, int pieceSize, Map<Digest, byte[]> objects) {
    Digest d = Digest.of(b);
    objects.put(d, b);
    List<Digest> pieces = new ArrayList<>();
    if (b.length > pieceSize) {
      for (int off = 0; off < b.length; off += pieceSize) {
        pieces.add(Digest.of(b, off, Math.min(pieceSize, b.length - off)));
      }
    }
    return ManifestEntry.file(path, 0644, b.length, d, pieces);
  }

  /** Stores the manifest and every object (an origin's complete copy). */
  public void storeInto(ContentStore store) throws IOException {
    store.put(manifestBytes);
    for (byte[] b : objects.values()) {
      store.put(b);
    }
  }

  /** True if the store holds the manifest and every object, byte-identical. */
  public boolean isCompleteIn(ContentStore store) throws IOException {
    if (!store.contains(id())) {
      return false;
    }
    for (Map.Entry<Digest, byte[]> e : objects.entrySet()) {
      if (!store.contains(e.getKey())
          || !java.util.Arrays.equals(java.nio.file.Files.readAllBytes(store.objectPath(e.getKey())), e.getValue())) {
        return false;
      }
    }
    return true;
  }
}
