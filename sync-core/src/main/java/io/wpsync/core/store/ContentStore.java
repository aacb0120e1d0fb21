package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A content-addressed object store on local disk: objects are immutable files named by their
 * SHA-256.
 *
 * <p>Guarantees: an object is visible ({@link #contains}) only once its full content has been
 * verified against its digest and fsynced; every write goes to a temporary file first and is
 * renamed into place, so a reader never sees a partial object and a crash leaves no corrupt one.
 * Large objects arrive piece by piece through a {@link PartialObject}, whose verified pieces
 * survive a crash so a download resumes without refetching them.
 */
public interface ContentStore {

  /** The store's directory. */
  Path root();

  /** True if a complete, verified object with this digest is stored. */
  boolean contains(Digest digest);

  /**
   * The file of a complete object, for hard links and zero-copy sends. The file must never be
   * written through this path.
   *
   * @throws NoSuchObjectException if the object is not stored
   */
  Path objectPath(Digest digest) throws NoSuchObjectException;

  /** Size in bytes of a stored object. */
  long size(Digest digest) throws IOException;

  /** Reads a whole (small) object, e.g. a manifest. */
  byte[] read(Digest digest) throws IOException;

  /**
   * Stores the bytes of {@code in}, verifying them against {@code expected}; a no-op if already
   * stored (the stream is then not read).
   *
   * @throws DigestMismatchException if the content does not hash to {@code expected}; nothing is
   *     stored
   */
  void put(Digest expected, InputStream in) throws IOException;

  /** Stores {@code bytes} under their own digest and returns it. */
  Digest put(byte[] bytes) throws IOException;

  /** Stores {@code bytes} under {@code expected}, verifying them. */
  void put(Digest expected, ByteBuffer bytes) throws IOException;

  /**
   * Copies a file into the store, verifying it against {@code expected} (which may be null to
   * store under the computed digest); returns the digest.
   */
  Digest putFile(Path source, Digest expected) throws IOException;

  /**
   * Opens (or resumes) the assembly of a large object from pieces of {@code pieceSize} bytes whose
   * digests are {@code pieceDigests}.
   */
  PartialObject openPartial(Digest digest, long size, int pieceSize, List<Digest> pieceDigests)
      throws IOException;

  /**
   * Where piece {@code index} (of {@code pieceSize}-byte pieces) of an object can be read, if that
   * piece is held and verified: from a complete object, or from a partial one whose piece is
   * verified. A partial's location names its partial file, which disappears when the object
   * completes: a reader that gets {@link java.nio.file.NoSuchFileException} asks again.
   */
  Optional<PieceLocation> locatePiece(Digest digest, int pieceSize, int index) throws IOException;

  /** Digests of every complete object. */
  Set<Digest> list() throws IOException;

  /**
   * Deletes every complete object not in {@code keep}, and partial objects not in {@code keep}.
   *
   * @return what was removed
   */
  GcResult gc(Set<Digest> keep) throws IOException;

  /** A byte range of a file that holds a verified piece. */
  record PieceLocation(Path file, long offset, int length) {}

  /**
   * What a garbage collection removed: complete objects, partial objects, and the bytes of both.
   */
  record GcResult(int objectsRemoved, int partialsRemoved, long bytesRemoved) {
    /** A result without partial objects. */
    public GcResult(int objectsRemoved, long bytesRemoved) {
      this(objectsRemoved, 0, bytesRemoved);
    }
  }
}
