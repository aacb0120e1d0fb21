package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;

/** An object that the store does not hold (or not completely). */
public class NoSuchObjectException extends IOException {
  public NoSuchObjectException(Digest digest) {
    super("object " + digest + " is not in the store");
  }
}
