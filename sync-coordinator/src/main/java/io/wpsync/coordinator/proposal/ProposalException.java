package io.wpsync.coordinator.proposal;

/**
 * A proposal request that cannot be served, with the HTTP status it maps to and a message a human
 * can act on: 400 (malformed), 403 (wrong token scope), 404 (unknown proposal), 409 (not in a state
 * that allows it), 422 (the change cannot be accepted), 503 (retry later).
 */
public final class ProposalException extends Exception {
  private final int status;

  public ProposalException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  static ProposalException notFound(String id) {
    return new ProposalException(404, "no proposal '" + id + "' (list them with GET /api/v1/proposals or wpsync proposals)");
  }
}
