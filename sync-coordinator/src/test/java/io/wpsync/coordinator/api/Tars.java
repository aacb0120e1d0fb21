package io.wpsync.coordinator.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds small tar archives in memory for tests, including hostile ones. */
public final class Tars {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  public Tars() {
    tar = new TarArchiveOutputStream(bytes, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  public Tars dir(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040755);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  public Tars file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0100644);
  }

  public Tars file(String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true); // keep the name as is (even "/abs" or "../x")
    e.setSize(content.length);
    e.setMode(mode);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
    return this;
  }

  public Tars symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  public Tars hardlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  public Tars fifo(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
    return this;
  }

  public byte[] bytes() throws IOException {
    tar.finish();
    tar.close();
    return bytes.toByteArray();
  }

  public byte[] gzipped() throws IOException {
    byte[] raw = bytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }

  /** A small wp-content tree: a theme and a plugin. */
  public static Tars sampleSite(String version) throws IOException {
    return new Tars()
        .dir("themes")
        .dir("themes/demo")
        .file("themes/demo/style.css", "/* Theme Name: demo " + version + " */\n")
        .file("themes/demo/functions.php", "<?php // " + version + "\n")
        .file("plugins/hello/hello.php", "<?php echo 'hello';\n")
        .symlink("themes/current-demo", "demo");
  }
}
