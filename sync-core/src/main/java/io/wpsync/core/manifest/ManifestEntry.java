package io.wpsync.core.manifest;

import io.wpsync.core.hash.Digest;
import java.util.List;
import java.util.Objects;

/**
 * One path of a wp-content tree: a regular file, a directory or a symlink.
 *
 * <p>{@code path} is relative, '/'-separated, without '.', '..' or empty segments (see {@link
 * PathRules}). Files carry {@code size}, their whole-content {@code digest} and, when larger than the
 * manifest's piece size, the digests of their fixed-size {@code pieces} (so many peers can serve
 * one big file); files no larger than one piece have an empty piece list and are their own single
 * piece. Symlinks carry their {@code target}, recorded verbatim and never followed. {@code mode}
 * holds the permission bits ({@code 0777} mask).
 */
public record ManifestEntry(
    String path, EntryType type, int mode, long size, Digest digest, String target, List<Digest> pieces) {

  public ManifestEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(type, "type");
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException(String.format("%s: mode %o has bits beyond 07777", path, mode));
    }
    pieces = pieces == null ? List.of() : List.copyOf(pieces);
    switch (type) {
      case FILE -> {
        Objects.requireNonNull(digest, () -> path + ": a file needs a digest");
        if (size < 0) {
          throw new IllegalArgumentException(path + ": negative size " + size);
        }
        if (target != null) {
          throw new IllegalArgumentException(path + ": a file has no symlink target");
        }
      }
      case DIRECTORY -> {
        if (digest != null || target != null || size != 0 || !pieces.isEmpty()) {
          throw new IllegalArgumentException(path + ": a directory has no size, digest or target");
        }
      }
      case SYMLINK -> {
        Objects.requireNonNull(target, () -> path + ": a symlink needs a target");
        if (digest != null || size != 0 || !pieces.isEmpty()) {
          throw new IllegalArgumentException(path + ": a symlink has no size or digest");
        }
      }
    }
  }

  /** A regular file. */
  public static ManifestEntry file(String path, int mode, long size, Digest digest, List<Digest> pieces) {
    return new ManifestEntry(path, EntryType.FILE, mode, size, digest, null, pieces);
  }

  /** A directory. */
  public static ManifestEntry directory(String path, int mode) {
    return new ManifestEntry(path, EntryType.DIRECTORY, mode, 0, null, null, List.of());
  }

  /** A symlink with its target, as {@code readlink} returns it. */
  public static ManifestEntry symlink(String path, String target) {
    return new ManifestEntry(path, EntryType.SYMLINK, 0777, 0, null, target, List.of());
  }

  public boolean isFile() {
    return type == EntryType.FILE;
  }

  public boolean isDirectory() {
    return type == EntryType.DIRECTORY;
  }

  public boolean isSymlink() {
    return type == EntryType.SYMLINK;
  }

  /** Number of pieces the file is transferred in: its piece list, or 1 for a small file. */
  public int pieceCount() {
    if (!isFile()) {
      return 0;
    }
    return pieces.isEmpty() ? 1 : pieces.size();
  }

  /** The digest of piece {@code i}: the file's digest when it is a single piece. */
  public Digest pieceDigest(int i) {
    if (pieces.isEmpty()) {
      if (i != 0) {
        throw new IndexOutOfBoundsException(path + " is one piece; asked for piece " + i);
      }
      return digest;
    }
    return pieces.get(i);
  }

  /** Same content and metadata as {@code other}, ignoring the path. */
  public boolean sameContent(ManifestEntry other) {
    return type == other.type
        && mode == other.mode
        && size == other.size
        && Objects.equals(digest, other.digest)
        && Objects.equals(target, other.target);
  }
}
