package io.wpsync.agent.fetch;

import io.wpsync.agent.peer.client.PeerConnection;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.wire.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads an object whose piece digests are unknown (a manifest) from one peer: piece 0 of
 * {@link Manifest#DEFAULT_PIECE_SIZE}-byte pieces tells the total size, the other pieces follow,
 * and the whole is verified against its digest before anyone uses it.
 */
final class ManifestFetch {
  /** Largest manifest accepted (about 2.5 million entries). */
  static final long MAX_MANIFEST_BYTES = 256L << 20;
  private static final int PIECE = Manifest.DEFAULT_PIECE_SIZE;

  private ManifestFetch() {}

  /** Throws {@link BadContentException} if the peer's bytes do not hash to {@code id}. */
  static byte[] fetch(PeerConnection peer, Digest id, Duration timeout)
      throws IOException, InterruptedException {
    MessageDigest sha = Digest.newSha256();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long size = -1;
    for (int i = 0; size < 0 || (long) i * PIECE < size; i++) {
      Message.Piece p = get(peer, id, i, timeout);
      try {
        if (size < 0) {
          size = p.objectSize();
          if (size <= 0 || size > MAX_MANIFEST_BYTES) {
            throw new BadContentException(peer + " announced manifest " + id + " of " + size + " bytes");
          }
        }
        long expected = Math.min(PIECE, size - (long) i * PIECE);
        if (p.data().readableBytes() != expected) {
          throw new BadContentException(String.format("%s sent %d bytes for piece %d of manifest %s, expected %d",
              peer, p.data().readableBytes(), i, id, expected));
        }
        byte[] b = new byte[p.data().readableBytes()];
        p.data().readBytes(b);
        sha.update(b);
        out.write(b);
      } finally {
        p.data().release();
      }
    }
    Digest got = Digest.finish(sha);
    if (!got.equals(id)) {
      throw new BadContentException("verify manifest " + id + " from " + peer + ": got " + got);
    }
    return out.toByteArray();
  }

  private static Message.Piece get(PeerConnection peer, Digest id, int index, Duration timeout)
      throws IOException, InterruptedException {
    var f = peer.getPiece(id, PIECE, index);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      f.thenAccept(p -> p.data().release()); // if it ever arrives
      if (e instanceof InterruptedException) {
        throw (InterruptedException) e;
      }
      throw new IOException("manifest " + id + " piece " + index + " from " + peer + " timed out", e);
    }
  }

  /** The peer sent content that does not verify: ban it. */
  static final class BadContentException extends IOException {
    BadContentException(String message) {
      super(message);
    }
  }
}
