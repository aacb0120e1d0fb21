package io.wpsync.cli.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Streams a directory tree as a POSIX tar (long names, modes, symlinks recorded, never followed),
 * so a release upload never needs the whole tree in memory or on disk a second time.
 */
public final class TarStreamer {
  private TarStreamer() {}

  /**
   * Writes {@code root}'s tree to {@code out}, entries named relative to {@code root}; {@code
   * include} decides which relative paths (files, links, directories) are sent.
   */
  public static void write(Path root, Predicate<String> include, OutputStream out) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String rel = relative(root, dir);
          if (!include.test(rel + "/")) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          TarArchiveEntry e = new TarArchiveEntry(rel + "/");
          e.setMode(040000 | mode(dir));
          e.setModTime(attrs.lastModifiedTime());
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String rel = relative(root, file);
          if (!include.test(rel)) {
            return FileVisitResult.CONTINUE;
          }
          if (attrs.isSymbolicLink()) {
            TarArchiveEntry e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(file).toString());
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
          } else if (attrs.isRegularFile()) {
            TarArchiveEntry e = new TarArchiveEntry(rel);
            e.setSize(attrs.size());
            e.setMode(0100000 | mode(file));
            e.setModTime(attrs.lastModifiedTime());
            tar.putArchiveEntry(e);
            Files.copy(file, tar);
            tar.closeArchiveEntry();
          }
          return FileVisitResult.CONTINUE;
        }
      });
      tar.finish();
    }
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  private static int mode(Path p) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    int m = 0;
    for (PosixFilePermission perm : perms) {
      m |= switch (perm) {
        case OWNER_READ -> 0400;
        case OWNER_WRITE -> 0200;
        case OWNER_EXECUTE -> 0100;
        case GROUP_READ -> 040;
        case GROUP_WRITE -> 020;
        case GROUP_EXECUTE -> 010;
        case OTHERS_READ -> 04;
        case OTHERS_WRITE -> 02;
        case OTHERS_EXECUTE -> 01;
      };
    }
    return m;
  }
}
