package io.wpsync.coordinator.release;

/** No published release with this id (HTTP 404). */
public final class NoSuchReleaseException extends Exception {
  public NoSuchReleaseException(String releaseId) {
    super("no release " + releaseId + " (list them with GET /api/v1/releases)");
  }
}
