package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;

/** Content that does not hash to the digest it was announced with. Nothing was stored. */
public class DigestMismatchException extends IOException {
  private final Digest expected;
  private final Digest actual;

  public DigestMismatchException(String what, Digest expected, Digest actual) {
    super(String.format("verify %s %s: got %s", what, expected, actual));
    this.expected = expected;
    this.actual = actual;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
