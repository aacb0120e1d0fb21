package io.wpsync.core.wire;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import java.util.Arrays;
import java.util.List;

/**
 * The index space of a release's BITFIELD and HAVE messages: for each object of {@link
 * Manifest#uniqueObjects()} in that order, its pieces in order. Both peers derive it from the same
 * manifest, so a global index means the same piece on both sides.
 *
 * <pre>{@code
 * PieceSpace space = PieceSpace.of(manifest);
 * PieceSpace.Ref r = space.ref(i);   // object, piece index inside it, digest, length
 * }</pre>
 */
public final class PieceSpace {
  private final Manifest manifest;
  private final List<ManifestEntry> objects;
  /** firstPiece[k] = global index of piece 0 of object k; one extra slot holds the total. */
  private final int[] firstPiece;

  private PieceSpace(Manifest manifest) {
    this.manifest = manifest;
    this.objects = manifest.uniqueObjects();
    this.firstPiece = new int[objects.size() + 1];
    long total = 0;
    for (int k = 0; k < objects.size(); k++) {
      firstPiece[k] = (int) total;
      total += objects.get(k).pieceCount();
      if (total > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("release has more than 2^31 pieces");
      }
    }
    firstPiece[objects.size()] = (int) total;
  }

  public static PieceSpace of(Manifest manifest) {
    return new PieceSpace(manifest);
  }

  public Manifest manifest() {
    return manifest;
  }

  /** Total pieces of the release. */
  public int pieceCount() {
    return firstPiece[objects.size()];
  }

  /** The distinct objects, in index order. */
  public List<ManifestEntry> objects() {
    return objects;
  }

  /** Global index of piece 0 of object {@code k}. */
  public int firstPiece(int k) {
    return firstPiece[k];
  }

  /** Number of the object that holds global piece {@code index}. */
  public int objectOf(int index) {
    if (index < 0 || index >= pieceCount()) {
      throw new IndexOutOfBoundsException("piece " + index + " of " + pieceCount());
    }
    int k = Arrays.binarySearch(firstPiece, 0, objects.size(), index);
    if (k < 0) {
      return -k - 2;
    }
    while (k + 1 < objects.size() && firstPiece[k + 1] == index) {
      k++; // objects have at least one piece, so this does not happen; kept for safety
    }
    return k;
  }

  /** Everything needed to request and verify global piece {@code index}. */
  public Ref ref(int index) {
    int k = objectOf(index);
    ManifestEntry e = objects.get(k);
    int local = index - firstPiece[k];
    long offset = (long) local * manifest.pieceSize();
    int length = (int) Math.min(manifest.pieceSize(), e.size() - offset);
    return new Ref(index, k, e.digest(), e.size(), e.pieceCount(), local, e.pieceDigest(local), length);
  }

  /**
   * One piece: object number {@code object} (digest {@code objectDigest}, {@code objectSize}
   * bytes, {@code objectPieces} pieces), its piece {@code local} with digest {@code pieceDigest} and
   * {@code length} bytes.
   */
  public record Ref(int global, int object, Digest objectDigest, long objectSize, int objectPieces,
      int local, Digest pieceDigest, int length) {
    /** True if the object travels as a single piece (whose digest is the object's). */
    public boolean wholeObject() {
      return objectPieces == 1;
    }
  }
}
