package io.wpsync.core.store;

import io.wpsync.core.hash.Digest;
import java.io.IOException;

/**
 * A stored object that should be a manifest is not a valid one (bad format or an unsafe path).
 * Its cause is the {@link io.wpsync.core.manifest.ManifestFormatException} or {@link
 * io.wpsync.core.manifest.UnsafePathException} that says what is wrong.
 */
public class CorruptManifestException extends IOException {
  private final Digest manifestId;

  public CorruptManifestException(Digest manifestId, Exception cause) {
    super("stored manifest " + manifestId + " is unreadable: " + cause.getMessage(), cause);
    this.manifestId = manifestId;
  }

  public Digest manifestId() {
    return manifestId;
  }
}
