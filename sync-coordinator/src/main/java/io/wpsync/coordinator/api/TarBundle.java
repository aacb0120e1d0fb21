package io.wpsync.coordinator.api;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Extracts an uploaded tar (optionally gzip-compressed) into a fresh directory, safely.
 *
 * <p>Guarantees: every entry lands inside {@code dest}. An absolute name, a {@code ..} segment, an
 * entry below a symlink, a symlink or hard link whose target leaves the tree, a duplicate name, a
 * device or fifo, or a malformed archive is refused with {@link UnsafeBundleException}; more than
 * {@code maxBytes} of content or {@code maxEntries} entries (a decompression bomb) with {@link
 * BundleTooLargeException}. On any failure {@code dest} is deleted, so nothing of a refused bundle
 * is kept. Files get mode 0644 or 0755 (executable bits kept), directories 0755.
 *
 * <pre>{@code
 * Path tree = TarBundle.extract(upload, TarBundle.Compression.detect(upload), workDir.resolve("x"), limits);
 * }</pre>
 */
public final class TarBundle {
  /** How the tar is wrapped. */
  public enum Compression {
    NONE,
    GZIP;

    /** GZIP if the file starts with the gzip magic bytes, else NONE. */
    public static Compression detect(Path file) throws IOException {
      try (InputStream in = Files.newInputStream(file)) {
        byte[] head = in.readNBytes(2);
        return head.length == 2 && (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b ? GZIP : NONE;
      }
    }
  }

  /** Extraction limits. */
  public record Limits(long maxBytes, int maxEntries) {
    public static Limits defaults() {
      return new Limits(8L << 30, 1_000_000);
    }
  }

  private TarBundle() {}

  /**
   * Extracts {@code archive} into {@code dest}, which must not exist yet.
   *
   * @return {@code dest}
   */
  public static Path extract(Path archive, Compression compression, Path dest, Limits limits)
      throws IOException, UnsafeBundleException, BundleTooLargeException {
    Files.createDirectory(dest);
    boolean ok = false;
    try {
      Path root = dest.toRealPath();
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
          InputStream in = compression == Compression.GZIP ? new GZIPInputStream(raw, 1 << 16) : raw;
          TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8")) {
        new Extraction(root, limits, tar).run();
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        throw new UnsafeBundleException("not a valid " + (compression == Compression.GZIP ? "tar.gz" : "tar")
            + " archive: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new UnsafeBundleException("malformed tar header: " + e.getMessage());
      }
      ok = true;
      return dest;
    } finally {
      if (!ok) {
        deleteTree(dest);
      }
    }
  }

  /** One extraction's state. */
  private static final class Extraction {
    private final Path root;
    private final Limits limits;
    private final TarArchiveInputStream tar;
    private long bytes;
    private int entries;

    Extraction(Path root, Limits limits, TarArchiveInputStream tar) {
      this.root = root;
      this.limits = limits;
      this.tar = tar;
    }

    void run() throws IOException, UnsafeBundleException, BundleTooLargeException {
      TarArchiveEntry e;
      try {
        e = tar.getNextEntry();
      } catch (IOException ex) {
        throw new UnsafeBundleException("not a valid tar archive: " + ex.getMessage());
      }
      while (e != null) {
        if (++entries > limits.maxEntries()) {
          throw new BundleTooLargeException("the bundle has more than " + limits.maxEntries() + " entries");
        }
        try {
          extractOne(e);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.NotDirectoryException ex) {
          throw new UnsafeBundleException("entry '" + e.getName() + "' clashes with an earlier entry (a file where a "
              + "directory is needed, or the reverse)");
        }
        try {
          e = tar.getNextEntry();
        } catch (IOException ex) {
          throw new UnsafeBundleException("tar archive corrupt after entry " + entries + ": " + ex.getMessage());
        }
      }
      if (entries == 0) {
        throw new UnsafeBundleException("the archive holds no entries (is it really a tar?)");
      }
    }

    private void extractOne(TarArchiveEntry e) throws IOException, UnsafeBundleException, BundleTooLargeException {
      String name = cleanName(e.getName());
      if (name.isEmpty()) {
        return; // "./" itself
      }
      Path target = inside(name, e.getName());
      checkNoSymlinkAbove(target, e.getName());
      if (e.isDirectory()) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          throw new UnsafeBundleException("entry '" + e.getName() + "' is a directory and a file at once");
        }
        Files.createDirectories(target);
        return;
      }
      Files.createDirectories(target.getParent());
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new UnsafeBundleException("duplicate entry '" + e.getName() + "'");
      }
      if (e.isSymbolicLink()) {
        symlink(e, target);
      } else if (e.isLink()) {
        hardLink(e, target);
      } else if (!e.isFIFO() && !e.isCharacterDevice() && !e.isBlockDevice() && isRegular(e)) {
        file(e, target);
      } else {
        throw new UnsafeBundleException("entry '" + e.getName() + "' is a device, fifo or other special file; "
            + "a release holds only files, directories and symlinks");
      }
    }

    private static boolean isRegular(TarArchiveEntry e) {
      byte flag = e.getLinkFlag();
      return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private void file(TarArchiveEntry e, Path target) throws IOException, BundleTooLargeException {
      if (bytes + e.getSize() > limits.maxBytes()) {
        throw new BundleTooLargeException("the bundle expands to more than " + limits.maxBytes() + " bytes");
      }
      try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = tar.read(buf)) > 0) {
          bytes += n;
          if (bytes > limits.maxBytes()) {
            throw new BundleTooLargeException("the bundle expands to more than " + limits.maxBytes() + " bytes");
          }
          out.write(buf, 0, n);
        }
      }
      boolean exec = (e.getMode() & 0111) != 0;
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
    }

    private void symlink(TarArchiveEntry e, Path target) throws IOException, UnsafeBundleException {
      String link = e.getLinkName();
      if (link == null || link.isEmpty() || link.startsWith("/") || link.indexOf('\0') >= 0 || link.contains("\\")) {
        throw new UnsafeBundleException("symlink '" + e.getName() + "' -> '" + link
            + "': only relative targets inside the tree are allowed");
      }
      Path resolved = target.getParent().resolve(link).normalize();
      if (!resolved.startsWith(root) || resolved.equals(root)) {
        throw new UnsafeBundleException("symlink '" + e.getName() + "' -> '" + link + "' points outside the tree");
      }
      Files.createSymbolicLink(target, target.getParent().relativize(resolved));
    }

    private void hardLink(TarArchiveEntry e, Path target) throws IOException, UnsafeBundleException {
      String linkName = cleanName(e.getLinkName() == null ? "" : e.getLinkName());
      if (linkName.isEmpty()) {
        throw new UnsafeBundleException("hard link '" + e.getName() + "' has no target");
      }
      Path source = inside(linkName, e.getLinkName());
      checkNoSymlinkAbove(source, e.getLinkName());
      if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
        throw new UnsafeBundleException("hard link '" + e.getName() + "' -> '" + e.getLinkName()
            + "': the target must be a regular file earlier in the archive");
      }
      Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** The path of a cleaned relative name under the root, refusing anything that leaves it. */
    private Path inside(String clean, String original) throws UnsafeBundleException {
      for (String seg : clean.split("/", -1)) {
        if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
          throw new UnsafeBundleException("entry '" + original + "': names may not contain empty, '.' or '..' "
              + "segments");
        }
      }
      Path p = root.resolve(clean).normalize();
      if (!p.startsWith(root) || p.equals(root)) {
        throw new UnsafeBundleException("entry '" + original + "' would be written outside the tree");
      }
      return p;
    }

    private void checkNoSymlinkAbove(Path target, String original) throws UnsafeBundleException {
      for (Path p = target.getParent(); p != null && !p.equals(root); p = p.getParent()) {
        if (Files.isSymbolicLink(p)) {
          throw new UnsafeBundleException("entry '" + original + "' lies below the symlink '"
              + root.relativize(p) + "'");
        }
      }
    }

    /** Strips leading "./" and one trailing "/"; refuses absolute and odd names. */
    private static String cleanName(String name) throws UnsafeBundleException {
      if (name.indexOf('\0') >= 0 || name.contains("\\")) {
        throw new UnsafeBundleException("entry '" + name.replace('\0', '?') + "': NUL or backslash in a name");
      }
      if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
        throw new UnsafeBundleException("entry '" + name + "' has an absolute path; bundles hold relative paths");
      }
      String n = name;
      while (n.startsWith("./")) {
        n = n.substring(2);
      }
      if (n.equals(".")) {
        return "";
      }
      if (n.endsWith("/")) {
        n = n.substring(0, n.length() - 1);
      }
      return n;
    }
  }

  /** Deletes a tree without following symlinks (best effort). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(TarBundle.class).warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
