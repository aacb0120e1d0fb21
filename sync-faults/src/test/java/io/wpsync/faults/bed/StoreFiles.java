package io.wpsync.faults.bed;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a daemon's content store from outside, by its documented on-disk layout ({@code
 * store/objects/ab/cdef…}), without opening it: the daemon holds the store's lock while it runs.
 */
public final class StoreFiles {
  private StoreFiles() {}

  public static Path objectFile(Path store, Digest d) {
    String hex = d.hex();
    return store.resolve("objects").resolve(hex.substring(0, 2)).resolve(hex.substring(2));
  }

  /** The manifest {@code manifestId} from the first store that holds it, verified. */
  public static Manifest manifest(List<Path> stores, String manifestId) throws Exception {
    Digest id = Digest.parse(manifestId);
    for (Path s : stores) {
      Path f = objectFile(s, id);
      if (Files.isRegularFile(f)) {
        byte[] bytes = Files.readAllBytes(f);
        if (!Digest.of(bytes).equals(id)) {
          throw new IOException("manifest object " + f + " does not match its digest " + id);
        }
        return ManifestCodec.decode(bytes);
      }
    }
    throw new IOException("no store of " + stores + " holds manifest " + manifestId);
  }

  /** SHA-256 of a file. */
  public static Digest hash(Path file) throws IOException {
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return Digest.finish(md);
  }

  /**
   * Every complete object of the store whose content does not match its name, as human-readable
   * problems (empty when the store is intact).
   */
  public static List<String> corruptObjects(Path store) throws IOException {
    List<String> problems = new ArrayList<>();
    Path objects = store.resolve("objects");
    if (!Files.isDirectory(objects)) {
      return problems;
    }
    try (Stream<Path> files = Files.walk(objects, 2)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String hex = f.getParent().getFileName().toString() + f.getFileName().toString();
        Digest actual = hash(f);
        if (!actual.hex().equals(hex)) {
          problems.add("object " + f + ": content is " + actual);
        }
      }
    }
    return problems;
  }
}
