package io.wpsync.agent.capture;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.store.Durable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts a LIVE release directory that is not current back to its manifest, path by path, before it
 * becomes current again (a rollback): live releases share unchanged files with the release built
 * from them, so writes WordPress made in a later release can show in an earlier one. Each repaired
 * file is a fresh copy of the store object renamed into place (a reader sees the old or the new
 * file, never a mix); extra paths are removed.
 */
final class LiveRepair {
  private LiveRepair() {}

  /**
   * Makes {@code dir} hold {@code want} where it now holds {@code have} (both as the capture sees
   * them). Returns the number of paths repaired.
   */
  static int repair(Path dir, Manifest have, Manifest want, ContentStore store) throws IOException {
    ManifestDiff d = ManifestDiff.between(have, want);
    if (d.isEmpty()) {
      return 0;
    }
    List<ManifestEntry> removed = new ArrayList<>(d.removed());
    java.util.Collections.reverse(removed); // children before parents
    for (ManifestEntry e : removed) {
      delete(dir.resolve(e.path()));
    }
    for (ManifestDiff.Change c : d.changed()) {
      if (c.typeChanged()) {
        delete(dir.resolve(c.path()));
      }
    }
    List<ManifestEntry> put = new ArrayList<>(d.added());
    for (ManifestDiff.Change c : d.changed()) {
      put.add(c.after());
    }
    put.sort(java.util.Comparator.comparing(ManifestEntry::path, Manifest.PATH_ORDER));
    for (ManifestEntry e : put) {
      place(dir, e, store);
    }
    for (ManifestDiff.Change c : d.modeChanged()) {
      if (!c.after().isSymlink()) {
        Files.setPosixFilePermissions(dir.resolve(c.path()), permissions(c.after().mode()));
      }
    }
    return removed.size() + d.changed().size() + d.added().size() + d.modeChanged().size();
  }

  private static void place(Path dir, ManifestEntry e, ContentStore store) throws IOException {
    Path target = dir.resolve(e.path());
    Path temp = target.resolveSibling(".wpsync-repair-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    switch (e.type()) {
      case DIRECTORY -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(target);
        }
        Files.setPosixFilePermissions(target, permissions(e.mode()));
      }
      case SYMLINK -> {
        Files.createSymbolicLink(temp, Path.of(e.target()));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      case FILE -> {
        try (FileChannel in = FileChannel.open(store.objectPath(e.digest()), StandardOpenOption.READ);
            FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          long pos = 0;
          long size = in.size();
          while (pos < size) {
            long n = in.transferTo(pos, size - pos, out);
            if (n <= 0) {
              throw new IOException("repair of " + target + ": object ended at " + pos + " of " + size + " bytes");
            }
            pos += n;
          }
          out.force(true);
        } catch (IOException ex) {
          Files.deleteIfExists(temp);
          throw ex;
        }
        Files.setPosixFilePermissions(temp, permissions(e.mode()));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Durable.forceDirectory(target.getParent());
  }

  private static void delete(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(p);
      return;
    }
    Files.walkFileTree(p, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        s.add(bits[i]);
      }
    }
    return s;
  }
}
