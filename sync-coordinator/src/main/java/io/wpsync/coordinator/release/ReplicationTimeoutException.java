package io.wpsync.coordinator.release;

/**
 * A release could not be published because too few coordinator stores held it in time (HTTP
 * 503). Its objects stay in this coordinator's store; retrying the upload is cheap.
 */
public final class ReplicationTimeoutException extends Exception {
  public ReplicationTimeoutException(String detail) {
    super(detail);
  }
}
