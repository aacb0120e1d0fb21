package io.wpsync.bench.fanout;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a synthetic "mixed" release straight into an origin content store and prints its manifest
 * id and object bytes: about 3/8 of the bytes in many small files (1 B..64 KiB, like images, CSS
 * and PHP) and 5/8 in a few large multi-piece files (like videos and archives). Deterministic.
 *
 * <p>Usage: {@code FanoutRelease <storeDir> <totalMiB> <pieceSizeKiB> <idFile>}
 */
public final class FanoutRelease {
  private FanoutRelease() {}

  public static void main(String[] args) throws Exception {
    Path storeDir = Path.of(args[0]);
    long total = Long.parseLong(args[1]) << 20;
    int pieceSize = Integer.parseInt(args[2]) * 1024;
    Path idFile = Path.of(args[3]);
    try (FileContentStore store = FileContentStore.open(storeDir)) {
      Generated g = generate(store, total, pieceSize, 20261127);
      Files.writeString(idFile, g.manifest().id().hex() + " " + g.bytes() + " " + g.manifest().fileCount() + "\n");
      System.out.printf("release %s: %d files, %d bytes, piece size %d%n", g.manifest().id(),
          g.manifest().fileCount(), g.bytes(), pieceSize);
    }
  }

  /** A generated release: its manifest and the bytes of its file objects. */
  public record Generated(Manifest manifest, long bytes) {}

  /** Generates about {@code total} bytes of mixed files into {@code store}, with the manifest. */
  public static Generated generate(FileContentStore store, long total, int pieceSize, long seed) throws Exception {
    Random r = new Random(seed);
    List<ManifestEntry> entries = new ArrayList<>();
    for (String d : List.of("uploads", "uploads/2026", "uploads/2026/11", "uploads/video")) {
      entries.add(ManifestEntry.directory(d, 0755));
    }
    long bytes = 0;
    long small = total * 3 / 8;
    int n = 0;
    while (bytes < small) {
      byte[] b = new byte[1 + r.nextInt(64 * 1024)];
      r.nextBytes(b);
      entries.add(file(store, "uploads/2026/11/f" + n++ + ".jpg", b, pieceSize));
      bytes += b.length;
    }
    int big = 10;
    long bigSize = (total - bytes) / big;
    for (int i = 0; i < big; i++) {
      byte[] b = new byte[(int) bigSize];
      r.nextBytes(b);
      entries.add(file(store, "uploads/video/v" + i + ".mp4", b, pieceSize));
      bytes += b.length;
    }
    Manifest m = Manifest.of(pieceSize, entries);
    store.put(ManifestCodec.encode(m));
    return new Generated(m, bytes);
  }

  private static ManifestEntry file(FileContentStore store, String path, byte[] b, int pieceSize) throws Exception {
    Digest d = store.put(b);
    List<Digest> pieces = new ArrayList<>();
    if (b.length > pieceSize) {
      for (int off = 0; off < b.length; off += pieceSize) {
        pieces.add(Digest.of(b, off, Math.min(pieceSize, b.length - off)));
      }
    }
    return ManifestEntry.file(path, 0644, b.length, d, pieces);
  }
}
