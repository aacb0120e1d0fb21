package io.wpsync.coordinator.release;

/**
 * The base release's manifest or objects are not (yet) in this coordinator's store, so a release
 * cannot be built on it here (HTTP 503; retry, or send the upload to another coordinator).
 */
public final class BaseUnavailableException extends Exception {
  public BaseUnavailableException(String detail) {
    super(detail);
  }
}
