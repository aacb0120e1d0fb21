package io.wpsync.core.wire;

import io.netty.buffer.ByteBuf;
import io.wpsync.core.hash.Digest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * A typed message of the peer protocol; one frame carries exactly one message. The record
 * constructors check every field against the wire limits, so an encodable message is always
 * decodable. Layouts are in {@link MessageCodec} and {@code docs/protocol.md}.
 */
public sealed interface Message {

  /** The frame type this message is sent as. */
  MessageType type();

  /** Client → server, first frame: who I am and my fresh nonce. */
  record Hello(int version, String clusterId, String nodeId, byte[] nonce) implements Message {
    public Hello {
      checkU16(version, "version");
      checkId(clusterId, "cluster id");
      checkId(nodeId, "node id");
      nonce = check32(nonce, "nonce");
    }

    @Override
    public MessageType type() {
      return MessageType.HELLO;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Hello h && h.version == version && h.clusterId.equals(clusterId)
          && h.nodeId.equals(nodeId) && Arrays.equals(h.nonce, nonce);
    }

    @Override
    public int hashCode() {
      return Objects.hash(version, clusterId, nodeId, Arrays.hashCode(nonce));
    }
  }

  /** Server → client: the server's node id, its fresh nonce and its proof of the secret. */
  record Challenge(String nodeId, byte[] nonce, byte[] proof) implements Message {
    public Challenge {
      checkId(nodeId, "node id");
      nonce = check32(nonce, "nonce");
      proof = check32(proof, "proof");
    }

    @Override
    public MessageType type() {
      return MessageType.CHALLENGE;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Challenge c && c.nodeId.equals(nodeId) && Arrays.equals(c.nonce, nonce)
          && Arrays.equals(c.proof, proof);
    }

    @Override
    public int hashCode() {
      return Objects.hash(nodeId, Arrays.hashCode(nonce), Arrays.hashCode(proof));
    }
  }

  /** Client → server: the client's proof of the secret. */
  record Auth(byte[] proof) implements Message {
    public Auth {
      proof = check32(proof, "proof");
    }

    @Override
    public MessageType type() {
      return MessageType.AUTH;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Auth a && Arrays.equals(a.proof, proof);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(proof);
    }
  }

  /** Server → client: both sides are authenticated; content may flow. */
  record AuthOk() implements Message {
    @Override
    public MessageType type() {
      return MessageType.AUTH_OK;
    }
  }

  /** Either direction: a fatal error; the sender closes the connection after it. */
  record Error(ErrorCode code, String text) implements Message {
    public Error {
      Objects.requireNonNull(code, "code");
      text = text == null ? "" : text;
    }

    @Override
    public MessageType type() {
      return MessageType.ERROR;
    }
  }

  /**
   * Client → server: send piece {@code index} of object {@code object} cut in {@code pieceSize}
   * pieces. {@code requestId} is echoed in the answer (PIECE or REJECT).
   */
  record GetPiece(int requestId, Digest object, int pieceSize, int index) implements Message {
    public GetPiece {
      Objects.requireNonNull(object, "object");
      if (pieceSize <= 0 || index < 0) {
        throw new IllegalArgumentException(
            String.format("piece size %d and index %d must be positive", pieceSize, index));
      }
    }

    @Override
    public MessageType type() {
      return MessageType.GET_PIECE;
    }
  }

  /**
   * Server → client: the bytes of a piece. {@code data} is reference-counted: whoever receives
   * the message releases it.
   */
  record Piece(int requestId, Digest object, int index, long objectSize, ByteBuf data)
      implements Message {
    public Piece {
      Objects.requireNonNull(object, "object");
      Objects.requireNonNull(data, "data");
      if (index < 0 || objectSize < 0) {
        throw new IllegalArgumentException("negative index or object size");
      }
    }

    @Override
    public MessageType type() {
      return MessageType.PIECE;
    }
  }

  /** Client → server: send me BITFIELD and HAVE updates for this manifest. */
  record Interested(Digest manifestId) implements Message {
    public Interested {
      Objects.requireNonNull(manifestId, "manifestId");
    }

    @Override
    public MessageType type() {
      return MessageType.INTERESTED;
    }
  }

  /**
   * Server → client: which pieces of the release (see {@link PieceSpace}) the server holds.
   * {@code pieceCount == 0} means the server does not know the manifest yet. A later BITFIELD
   * replaces an earlier one.
   */
  record Bitfield(Digest manifestId, int pieceCount, BitSet bits) implements Message {
    public Bitfield {
      Objects.requireNonNull(manifestId, "manifestId");
      if (pieceCount < 0 || bits.length() > pieceCount) {
        throw new IllegalArgumentException(String.format(
            "bitfield of %d pieces has bit %d set", pieceCount, bits.length() - 1));
      }
      bits = (BitSet) bits.clone();
    }

    @Override
    public BitSet bits() {
      return (BitSet) bits.clone();
    }

    @Override
    public MessageType type() {
      return MessageType.BITFIELD;
    }
  }

  /** Server → client: the server now holds piece {@code index} of the release. */
  record Have(Digest manifestId, int index) implements Message {
    public Have {
      Objects.requireNonNull(manifestId, "manifestId");
      if (index < 0) {
        throw new IllegalArgumentException("negative piece index " + index);
      }
    }

    @Override
    public MessageType type() {
      return MessageType.HAVE;
    }
  }

  /** Server → client: request {@code requestId} cannot be served now; the connection stays. */
  record Reject(int requestId, ErrorCode code) implements Message {
    public Reject {
      Objects.requireNonNull(code, "code");
    }

    @Override
    public MessageType type() {
      return MessageType.REJECT;
    }
  }

  private static void checkU16(int v, String what) {
    if (v < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException(what + " " + v + " outside u16");
    }
  }

  private static void checkId(String id, String what) {
    Objects.requireNonNull(id, what);
    int len = id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (len == 0 || len > Frames.MAX_ID_LENGTH) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' must be 1..%d UTF-8 bytes, is %d", what, id, Frames.MAX_ID_LENGTH, len));
    }
  }

  private static byte[] check32(byte[] b, String what) {
    if (b == null || b.length != Frames.NONCE_LENGTH) {
      throw new IllegalArgumentException(String.format(
          "%s must be %d bytes, is %s", what, Frames.NONCE_LENGTH, b == null ? "null" : b.length));
    }
    return b.clone();
  }
}
