package io.wpsync.faults.bed;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Release content for the tests, as the tar a {@code wpsync release create} would upload: a theme
 * whose {@code style.css} names the version, {@code files} pseudo-random files of {@code fileBytes}
 * each and optionally one large file (seeded by the version, so every version brings new bytes to
 * fetch).
 */
public final class ReleaseTrees {
  private ReleaseTrees() {}

  /** Writes the tar to {@code tar} and returns it. */
  public static Path tar(Path tar, String version, int files, int fileBytes) throws IOException {
    return tar(tar, version, files, fileBytes, 0);
  }

  /** As {@link #tar(Path, String, int, int)}, plus {@code plugins/payload/large.bin} of {@code largeBytes} if > 0. */
  public static Path tar(Path tar, String version, int files, int fileBytes, int largeBytes) throws IOException {
    Files.createDirectories(tar.getParent());
    Random random = new Random(version.hashCode() * 31L + files);
    try (OutputStream out = Files.newOutputStream(tar);
        TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      dir(t, "themes/");
      dir(t, "themes/faults/");
      file(t, "themes/faults/style.css",
          ("/*\nTheme Name: faults\nVersion: " + version + "\n*/\n").getBytes(StandardCharsets.UTF_8));
      file(t, "themes/faults/index.php", ("<?php // release " + version + "\n").getBytes(StandardCharsets.UTF_8));
      if (files > 0 || largeBytes > 0) {
        dir(t, "plugins/");
        dir(t, "plugins/payload/");
      }
      for (int i = 0; i < files; i++) {
        byte[] data = new byte[fileBytes];
        random.nextBytes(data);
        file(t, String.format("plugins/payload/blob-%03d.bin", i), data);
      }
      if (largeBytes > 0) {
        byte[] data = new byte[largeBytes];
        random.nextBytes(data);
        file(t, "plugins/payload/large.bin", data);
      }
      t.finish();
    }
    return tar;
  }

  private static void dir(TarArchiveOutputStream t, String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0755);
    t.putArchiveEntry(e);
    t.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0644);
    e.setSize(data.length);
    t.putArchiveEntry(e);
    t.write(data);
    t.closeArchiveEntry();
  }
}
