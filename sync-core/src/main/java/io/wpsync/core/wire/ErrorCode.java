package io.wpsync.core.wire;

/**
 * Numbered error codes of the peer protocol. The numbers are part of the wire format and never
 * change meaning; new codes take new numbers.
 *
 * <p>Codes up to {@link #NOT_AUTHENTICATED} and {@link #INTERNAL} end the connection (sent in an
 * {@code ERROR} frame, then the sender closes). {@link #NOT_FOUND}, {@link #BUSY} and
 * {@link #ALREADY_SEEDED} answer a single request (sent in a {@code REJECT} frame) and the
 * connection stays open.
 */
public enum ErrorCode {
  /** The frame could not be parsed: truncated payload, bad field, empty frame, trailing bytes. */
  MALFORMED_FRAME(1),
  /** The length prefix exceeds {@link Frames#MAX_FRAME}. */
  FRAME_TOO_LARGE(2),
  /** The peer speaks a protocol version this build does not. */
  UNSUPPORTED_VERSION(3),
  /** The peer belongs to another cluster. */
  WRONG_CLUSTER(4),
  /** A handshake proof did not verify (wrong cluster secret, replay, wrong node). */
  AUTH_FAILED(5),
  /** A message other than the handshake arrived before authentication completed. */
  NOT_AUTHENTICATED(6),
  /** The requested piece is not held (verified) by this peer. */
  NOT_FOUND(7),
  /** Upload capacity is exhausted; retry later or elsewhere. */
  BUSY(8),
  /** The peer failed internally (I/O error); the connection is closed. */
  INTERNAL(9),
  /** A message type that is valid but not expected in this state (e.g. a second HELLO). */
  UNEXPECTED_MESSAGE(10),
  /** The handshake did not complete in time. */
  HANDSHAKE_TIMEOUT(11),
  /**
   * The origin served this piece moments ago to another peer, which will announce it with
   * {@code HAVE}: fetch it from there.
   */
  ALREADY_SEEDED(12),
  /** A code this build does not know (received from a newer peer). */
  UNKNOWN(0xFFFF);

  private final int number;

  ErrorCode(int number) {
    this.number = number;
  }

  /** The stable number sent on the wire (u16). */
  public int number() {
    return number;
  }

  /** The code with this number, or {@link #UNKNOWN}. */
  public static ErrorCode of(int number) {
    for (ErrorCode c : values()) {
      if (c.number == number) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
