package io.wpsync.coordinator.api;

/** An uploaded bundle expands beyond the configured limits (HTTP 413); nothing was kept. */
public final class BundleTooLargeException extends Exception {
  public BundleTooLargeException(String detail) {
    super(detail);
  }
}
