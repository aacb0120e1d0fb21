package io.wpsync.core.release;

import java.io.IOException;

/** A release that does not exist, or exists only partly (no record of a finished materialization). */
public class NoSuchReleaseException extends IOException {
  private final String id;

  public NoSuchReleaseException(String id, String reason) {
    super("release '" + id + "': " + reason);
    this.id = id;
  }

  public String id() {
    return id;
  }
}
