package io.wpsync.core.wire;

/** The type byte of a frame. The numbers are part of the wire format. */
public enum MessageType {
  HELLO(1),
  CHALLENGE(2),
  AUTH(3),
  AUTH_OK(4),
  ERROR(5),
  GET_PIECE(6),
  PIECE(7),
  INTERESTED(8),
  BITFIELD(9),
  HAVE(10),
  REJECT(11);

  private static final MessageType[] BY_CODE = new MessageType[256];

  static {
    for (MessageType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;

  MessageType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type with this code, or null if unknown. */
  public static MessageType of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
