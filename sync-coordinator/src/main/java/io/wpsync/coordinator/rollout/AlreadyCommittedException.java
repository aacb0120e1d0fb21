package io.wpsync.coordinator.rollout;

/** The requested rollout target is already the committed release (HTTP 409): nothing to do. */
public final class AlreadyCommittedException extends Exception {
  public AlreadyCommittedException(String releaseId) {
    super("release " + releaseId + " is already the committed release; nothing to roll out");
  }
}
