package io.wpsync.agent.peer.client;

import io.wpsync.core.wire.ErrorCode;
import java.io.IOException;

/**
 * A peer refused us or broke the protocol: carries the {@link ErrorCode} (received in ERROR or
 * REJECT, or detected locally, e.g. AUTH_FAILED for a bad server proof).
 */
public class PeerException extends IOException {
  private final ErrorCode code;
  private final boolean fatal;

  public PeerException(ErrorCode code, String message, boolean fatal) {
    super(code + ": " + message);
    this.code = code;
    this.fatal = fatal;
  }

  public ErrorCode code() {
    return code;
  }

  /** True if the connection is gone; false for a single rejected request. */
  public boolean fatal() {
    return fatal;
  }
}
