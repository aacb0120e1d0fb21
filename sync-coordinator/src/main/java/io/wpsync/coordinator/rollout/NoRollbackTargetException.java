package io.wpsync.coordinator.rollout;

/** A rollback without an explicit release found no earlier committed release to return to (HTTP 409). */
public final class NoRollbackTargetException extends Exception {
  public NoRollbackTargetException(String detail) {
    super(detail);
  }
}
