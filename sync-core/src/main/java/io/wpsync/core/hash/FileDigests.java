package io.wpsync.core.hash;

import java.util.List;
import java.util.Objects;

/**
 * What one hashing pass over a file found: its length, the SHA-256 of the whole content and, for a
 * file longer than one piece, the SHA-256 of every fixed-size piece (the last one may be short).
 * A file no longer than one piece has an empty piece list, matching {@code ManifestEntry}.
 */
public record FileDigests(long size, Digest digest, List<Digest> pieces) {
  public FileDigests {
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
    pieces = List.copyOf(pieces);
  }
}
