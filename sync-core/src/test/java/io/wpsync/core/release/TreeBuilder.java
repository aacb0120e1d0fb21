package io.wpsync.core.release;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.UnsafePathException;
import io.wpsync.core.store.ContentStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Builds a manifest in a test and puts its file contents into a store. */
final class TreeBuilder {
  private final ContentStore store;
  private final List<ManifestEntry> entries = new ArrayList<>();

  TreeBuilder(ContentStore store) {
    this.store = store;
  }

  TreeBuilder dir(String path, int mode) {
    entries.add(ManifestEntry.directory(path, mode));
    return this;
  }

  TreeBuilder file(String path, int mode, String content) {
    return file(path, mode, content.getBytes(UTF_8));
  }

  TreeBuilder file(String path, int mode, byte[] content) {
    try {
      Digest d = store.put(content);
      entries.add(ManifestEntry.file(path, mode, content.length, d, List.of()));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  TreeBuilder symlink(String path, String target) {
    entries.add(ManifestEntry.symlink(path, target));
    return this;
  }

  Manifest build() {
    try {
      return Manifest.of(Manifest.DEFAULT_PIECE_SIZE, entries);
    } catch (UnsafePathException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
