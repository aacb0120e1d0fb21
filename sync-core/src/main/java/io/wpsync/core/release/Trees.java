package io.wpsync.core.release;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Removing whole trees, including read-only ones, without following symlinks. */
final class Trees {
  private static final Set<PosixFilePermission> OWNER_ALL = EnumSet.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  private Trees() {}

  /**
   * Deletes {@code path} and everything under it. Directories are made owner-writable first (a
   * READ_ONLY release has 0555 directories, whose entries cannot otherwise be removed by a
   * non-root owner); symlinks are removed, never followed. A missing path is not an error.
   */
  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
      if (!perms.containsAll(OWNER_ALL)) {
        perms.addAll(OWNER_ALL);
        Files.setPosixFilePermissions(path, perms);
      }
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(path)) {
        s.forEach(children::add);
      }
      for (Path child : children) {
        deleteTree(child);
      }
    }
    try {
      Files.delete(path);
    } catch (NoSuchFileException e) {
      // removed meanwhile
    }
  }
}
