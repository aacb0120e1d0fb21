package io.wpsync.core.manifest;

import com.github.benmanes.caffeine.cache.Interner;
import io.wpsync.core.hash.Digest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, validated description of a wp-content tree: every entry sorted by path.
 *
 * <p>Its {@link #id()} is the SHA-256 of its canonical byte form ({@link ManifestCodec#encode}),
 * so two manifests with the same entries and piece size have the same id on every machine. A
 * manifest can only be built from entries that pass {@link PathRules#validate}: no path escapes
 * the tree, no entry hides under a symlink or a file, no two paths collide after normalization.
 *
 * <p>Memory: entries are interned JVM-wide (equal entries of different manifests are one object),
 * and lookups by path are binary searches over the sorted entries, so a manifest that differs from
 * another by a few files costs little more than its entry array (a daemon holding many versions of
 * a 20,000-file tree keeps one copy of what they share).
 *
 * <pre>{@code
 * Manifest m = Manifest.of(Manifest.DEFAULT_PIECE_SIZE, entries);
 * ManifestDiff d = ManifestDiff.between(previous, m);
 * }</pre>
 */
public final class Manifest {
  /** 4 MiB: files larger than this are listed as pieces. */
  public static final int DEFAULT_PIECE_SIZE = 4 * 1024 * 1024;
  /** Smallest accepted piece size (64 KiB). */
  public static final int MIN_PIECE_SIZE = 64 * 1024;
  /** Largest accepted piece size (16 MiB, well under the wire protocol's frame limit). */
  public static final int MAX_PIECE_SIZE = 16 * 1024 * 1024;

  /** Byte order of paths in manifests: unsigned UTF-8, the same on every platform. */
  public static final Comparator<String> PATH_ORDER = PathRules::compareUtf8;

  /** Equal entries of all manifests in this JVM share one instance (weakly held). */
  private static final Interner<ManifestEntry> ENTRIES = Interner.newWeakInterner();

  private final int pieceSize;
  private final ManifestEntry[] sorted;
  private final List<ManifestEntry> entries;
  private volatile Digest id;

  private Manifest(int pieceSize, ManifestEntry[] sorted, Digest id) {
    this.pieceSize = pieceSize;
    this.sorted = sorted;
    this.entries = Collections.unmodifiableList(Arrays.asList(sorted));
    this.id = id;
  }

  /**
   * Builds a manifest from entries in any order.
   *
   * @throws UnsafePathException if any entry breaks {@link PathRules}
   */
  public static Manifest of(int pieceSize, List<ManifestEntry> entries) throws UnsafePathException {
    ManifestEntry[] sorted = entries.toArray(new ManifestEntry[0]);
    if (!isSorted(sorted)) {
      Arrays.sort(sorted, BY_PATH);
    }
    return build(pieceSize, sorted, null);
  }

  /**
   * Builds a manifest from entries the caller has already checked to be strictly ascending by
   * {@link #PATH_ORDER}, with the id of their canonical form if known (the decoder has the bytes).
   */
  static Manifest ofSorted(int pieceSize, List<ManifestEntry> sortedEntries, Digest knownId) throws UnsafePathException {
    return build(pieceSize, sortedEntries.toArray(new ManifestEntry[0]), knownId);
  }

  private static Manifest build(int pieceSize, ManifestEntry[] sorted, Digest knownId) throws UnsafePathException {
    checkPieceSize(pieceSize);
    List<ManifestEntry> view = Arrays.asList(sorted);
    PathRules.validate(view);
    for (int i = 0; i < sorted.length; i++) {
      checkPieces(pieceSize, sorted[i]);
      sorted[i] = ENTRIES.intern(sorted[i]);
    }
    return new Manifest(pieceSize, sorted, knownId);
  }

  private static final Comparator<ManifestEntry> BY_PATH = Comparator.comparing(ManifestEntry::path, PATH_ORDER);

  private static boolean isSorted(ManifestEntry[] entries) {
    for (int i = 1; i < entries.length; i++) {
      if (PATH_ORDER.compare(entries[i - 1].path(), entries[i].path()) > 0) {
        return false;
      }
    }
    return true;
  }

  /** The empty tree. */
  public static Manifest empty() {
    return new Manifest(DEFAULT_PIECE_SIZE, new ManifestEntry[0], null);
  }

  static void checkPieceSize(int pieceSize) {
    if (pieceSize < MIN_PIECE_SIZE || pieceSize > MAX_PIECE_SIZE) {
      throw new IllegalArgumentException(String.format(
          "piece size %d outside [%d, %d]", pieceSize, MIN_PIECE_SIZE, MAX_PIECE_SIZE));
    }
  }

  private static void checkPieces(int pieceSize, ManifestEntry e) throws UnsafePathException {
    if (!e.isFile()) {
      return;
    }
    long expected = e.size() <= pieceSize ? 0 : (e.size() + pieceSize - 1) / pieceSize;
    if (e.pieces().size() != expected) {
      throw new UnsafePathException(e.path(), String.format(
          "a %d-byte file has %d piece digests, expected %d for %d-byte pieces",
          e.size(), e.pieces().size(), expected, pieceSize));
    }
  }

  /** The manifest id: SHA-256 of the canonical form. */
  public Digest id() {
    Digest d = id;
    if (d == null) {
      d = Digest.of(ManifestCodec.encode(this));
      id = d;
    }
    return d;
  }

  public int pieceSize() {
    return pieceSize;
  }

  /** All entries, sorted by {@link #PATH_ORDER}. */
  public List<ManifestEntry> entries() {
    return entries;
  }

  /** The entry at {@code path} (a binary search: O(log n)). */
  public Optional<ManifestEntry> entry(String path) {
    int lo = 0;
    int hi = sorted.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = PATH_ORDER.compare(sorted[mid].path(), path);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return Optional.of(sorted[mid]);
      }
    }
    return Optional.empty();
  }

  public int size() {
    return entries.size();
  }

  public int fileCount() {
    int n = 0;
    for (ManifestEntry e : entries) {
      if (e.isFile()) {
        n++;
      }
    }
    return n;
  }

  /** Sum of file sizes (each path counted, duplicates included). */
  public long totalBytes() {
    long n = 0;
    for (ManifestEntry e : entries) {
      if (e.isFile()) {
        n += e.size();
      }
    }
    return n;
  }

  /** The distinct file objects, in manifest order of first appearance, one entry per digest. */
  public List<ManifestEntry> uniqueObjects() {
    Set<Digest> seen = new LinkedHashSet<>();
    List<ManifestEntry> out = new ArrayList<>();
    for (ManifestEntry e : entries) {
      if (e.isFile() && seen.add(e.digest())) {
        out.add(e);
      }
    }
    return out;
  }

  /** Digests of every file object the tree needs. */
  public Set<Digest> objectDigests() {
    Set<Digest> out = new LinkedHashSet<>();
    for (ManifestEntry e : entries) {
      if (e.isFile()) {
        out.add(e.digest());
      }
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m && m.id().equals(id());
  }

  @Override
  public int hashCode() {
    return id().hashCode();
  }

  @Override
  public String toString() {
    return "Manifest[" + id().shortHex(12) + ", " + entries.size() + " entries]";
  }
}
