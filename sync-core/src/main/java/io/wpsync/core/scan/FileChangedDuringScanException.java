package io.wpsync.core.scan;

import java.io.IOException;

/**
 * A file kept changing while it was being hashed, so no trustworthy digest could be taken. The
 * scan is abandoned rather than record a digest that matches no version of the file; retrying
 * once writers are done is safe.
 */
public class FileChangedDuringScanException extends IOException {
  private final String path;

  public FileChangedDuringScanException(String path, String reason) {
    super("'" + path + "' changed while being hashed: " + reason
        + "; stop whatever is writing it (deploy, plugin update) and scan again");
    this.path = path;
  }

  /** The file's path relative to the scanned root. */
  public String path() {
    return path;
  }
}
