package io.wpsync.integrations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Tar and zip bundles of a directory, as the coordinator's release and theme/plugin uploads take them. */
final class Bundles {
  private Bundles() {}

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** A tar of the files under {@code dir}, with paths relative to it. */
  static byte[] tar(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Path f : files(dir)) {
        TarArchiveEntry e = new TarArchiveEntry(dir.relativize(f).toString().replace('\\', '/'));
        e.setSize(Files.size(f));
        e.setMode(0644);
        tar.putArchiveEntry(e);
        Files.copy(f, tar);
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  /** A zip of {@code dir} under the single top-level directory {@code top} (how themes and plugins ship). */
  static byte[] zip(Path dir, String top) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry(top + "/"));
      zip.closeEntry();
      for (Path f : files(dir)) {
        zip.putNextEntry(new ZipEntry(top + "/" + dir.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, (OutputStream) zip);
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** Copies a directory tree (files and directories only). */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.sorted().toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
