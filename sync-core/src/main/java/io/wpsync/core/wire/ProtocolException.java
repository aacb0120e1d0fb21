package io.wpsync.core.wire;

import io.netty.handler.codec.DecoderException;

/**
 * A peer broke the protocol. Carries the {@link ErrorCode} to send back in an {@code ERROR} frame
 * before closing. Extends Netty's {@link DecoderException} so that decoders pass it through to the
 * pipeline unwrapped.
 */
public class ProtocolException extends DecoderException {
  private final ErrorCode code;
  private final String detail;

  public ProtocolException(ErrorCode code, String message) {
    super(code + ": " + message);
    this.code = code;
    this.detail = message;
  }

  /** The message without the code prefix (what is sent in the ERROR frame). */
  public String detail() {
    return detail;
  }

  public ErrorCode code() {
    return code;
  }
}
