package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;

/**
 * How an object of {@code size} bytes splits into {@code pieceSize}-byte pieces, with the digest of
 * each: validated on construction, so a layout that exists is consistent.
 *
 * <p>As in a manifest, an object no larger than one piece is a single piece whose digest is the
 * object digest; callers may give its piece list as empty or as that one digest.
 */
record PieceLayout(Digest digest, long size, int pieceSize, List<Digest> pieceDigests) {

  PieceLayout {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(pieceDigests, "pieceDigests");
    pieceDigests = List.copyOf(pieceDigests);
  }

  /**
   * Validates and normalizes a piece layout.
   *
   * @throws IllegalArgumentException if the size is negative, the piece size not positive, or the
   *     piece list does not match the size and piece size
   */
  static PieceLayout of(Digest digest, long size, int pieceSize, List<Digest> pieceDigests) {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(pieceDigests, "pieceDigests");
    if (size < 0) {
      throw new IllegalArgumentException(String.format("object %s: negative size %d", digest, size));
    }
    if (pieceSize <= 0) {
      throw new IllegalArgumentException(
          String.format("object %s: piece size must be positive, got %d", digest, pieceSize));
    }
    for (int i = 0; i < pieceDigests.size(); i++) {
      if (pieceDigests.get(i) == null) {
        throw new IllegalArgumentException(String.format("object %s: piece digest %d is null", digest, i));
      }
    }
    if (size <= pieceSize) {
      if (pieceDigests.isEmpty() || (pieceDigests.size() == 1 && pieceDigests.get(0).equals(digest))) {
        return new PieceLayout(digest, size, pieceSize, List.of(digest));
      }
      throw new IllegalArgumentException(String.format(
          "object %s: a %d-byte object is one %d-byte piece whose digest is the object's;"
              + " got %d piece digests", digest, size, pieceSize, pieceDigests.size()));
    }
    long expected = (size + pieceSize - 1) / pieceSize;
    if (expected > Integer.MAX_VALUE || pieceDigests.size() != expected) {
      throw new IllegalArgumentException(String.format(
          "object %s: a %d-byte object has %d pieces of %d bytes, got %d piece digests",
          digest, size, expected, pieceSize, pieceDigests.size()));
    }
    return new PieceLayout(digest, size, pieceSize, pieceDigests);
  }

  /** Number of pieces of an object of {@code size} bytes (at least 1, as for an empty object). */
  static long pieceCount(long size, int pieceSize) {
    return size <= pieceSize ? 1 : (size + pieceSize - 1) / pieceSize;
  }

  /** Length of piece {@code index} of a {@code size}-byte object. */
  static int pieceLength(long size, int pieceSize, int index) {
    return (int) Math.min(pieceSize, size - (long) index * pieceSize);
  }

  int pieceCount() {
    return pieceDigests.size();
  }

  int pieceLength(int index) {
    checkIndex(index);
    return pieceLength(size, pieceSize, index);
  }

  long offset(int index) {
    checkIndex(index);
    return (long) index * pieceSize;
  }

  Digest pieceDigest(int index) {
    checkIndex(index);
    return pieceDigests.get(index);
  }

  void checkIndex(int index) {
    if (index < 0 || index >= pieceDigests.size()) {
      throw new IndexOutOfBoundsException(String.format(
          "object %s has pieces 0..%d, asked for piece %d", digest.shortHex(12), pieceDigests.size() - 1, index));
    }
  }

  /** SHA-256 over the concatenated piece digests: binds a persisted bitmap to this exact layout. */
  Digest piecesHash() {
    MessageDigest md = Digest.newSha256();
    for (Digest d : pieceDigests) {
      md.update(d.toBytes());
    }
    return Digest.finish(md);
  }
}
