package io.wpsync.coordinator.release;

/**
 * The base release of an upload does not fit the history (HTTP 409): it is stale (neither the
 * committed release nor built on it, so a release from it would undo what was committed since), or
 * no base was given where one is needed and nothing is committed. Nothing was published.
 */
public final class BaseConflictException extends Exception {
  public BaseConflictException(String detail) {
    super(detail);
  }
}
