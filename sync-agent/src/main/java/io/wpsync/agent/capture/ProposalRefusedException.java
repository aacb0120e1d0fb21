package io.wpsync.agent.capture;

/** The coordinator refused a proposal for good (4xx): the message says why and what to do. */
public final class ProposalRefusedException extends Exception {
  private final int status;

  public ProposalRefusedException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status (0 if refused before any request, e.g. no token configured). */
  public int status() {
    return status;
  }
}
