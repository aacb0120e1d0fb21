package io.wpsync.coordinator.api;

/** An uploaded bundle is malformed or would write outside its tree (HTTP 422); nothing was kept. */
public final class UnsafeBundleException extends Exception {
  public UnsafeBundleException(String detail) {
    super(detail);
  }
}
