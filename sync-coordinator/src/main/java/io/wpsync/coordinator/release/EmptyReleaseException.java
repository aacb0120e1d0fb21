package io.wpsync.coordinator.release;

/** The uploaded tree holds nothing a release would carry (HTTP 422); nothing was published. */
public final class EmptyReleaseException extends Exception {
  public EmptyReleaseException(String detail) {
    super(detail);
  }
}
