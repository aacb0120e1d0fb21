package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * A large object being assembled from verified pieces, possibly from many peers at once.
 *
 * <p>Each piece is verified against its digest before it is written; the set of verified pieces
 * is persisted (after the piece data is fsynced), so after a crash {@link #verifiedPieces()} still
 * lists them and they are never fetched again. The object becomes visible in the store only
 * through {@link #complete()}, which verifies the whole-object digest. Thread-safe: pieces may be
 * written concurrently.
 */
public interface PartialObject extends Closeable {
  Digest digest();

  long size();

  int pieceSize();

  int pieceCount();

  /** Length of piece {@code index} (the last piece may be short). */
  int pieceLength(int index);

  boolean hasPiece(int index);

  /** A copy of the verified-pieces bitmap. */
  BitSet verifiedPieces();

  /** True once every piece is verified. */
  boolean allPiecesPresent();

  /**
   * Verifies and writes one piece; a no-op if the piece is already held.
   *
   * @throws DigestMismatchException if the data does not match the piece digest; nothing written
   */
  void writePiece(int index, ByteBuffer data) throws IOException;

  /**
   * Verifies the whole object and moves it into the store. Idempotent.
   *
   * @throws IllegalStateException if pieces are missing
   * @throws DigestMismatchException if the assembled object does not hash to its digest
   */
  void complete() throws IOException;
}
