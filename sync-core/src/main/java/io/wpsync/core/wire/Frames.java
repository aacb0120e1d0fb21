package io.wpsync.core.wire;

import io.wpsync.core.manifest.Manifest;

/**
 * Constants of the frame layer: {@code u32 length | u8 type | payload}, where length counts the
 * type byte and the payload (big-endian). See {@code docs/protocol.md}.
 */
public final class Frames {
  /** Protocol version sent in HELLO; a server answers any other with UNSUPPORTED_VERSION. */
  public static final int PROTOCOL_VERSION = 1;
  /** Bytes of the length prefix. */
  public static final int LENGTH_FIELD = 4;
  /** Fixed part of a PIECE frame after the type byte: request id, digest, index, object size. */
  public static final int PIECE_HEADER = 4 + 32 + 4 + 8;
  /** Largest accepted value of the length field: a maximal piece plus its header, with slack. */
  public static final int MAX_FRAME = Manifest.MAX_PIECE_SIZE + 1 + PIECE_HEADER + 16;
  /** Size of a handshake nonce and of an HMAC-SHA256 proof. */
  public static final int NONCE_LENGTH = 32;
  /** Longest cluster or node id, in UTF-8 bytes. */
  public static final int MAX_ID_LENGTH = 255;
  /** Longest error text, in UTF-8 bytes (longer texts are cut). */
  public static final int MAX_ERROR_TEXT = 1024;

  private Frames() {}
}
