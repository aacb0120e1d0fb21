package io.wpsync.coordinator.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds small zip archives in memory for tests, including hostile ones (names are kept as given). */
public final class Zips {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes);

  public Zips dir(String name) throws IOException {
    ZipArchiveEntry e = new ZipArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setUnixMode(040755);
    zip.putArchiveEntry(e);
    zip.closeArchiveEntry();
    return this;
  }

  public Zips file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0100644);
  }

  public Zips file(String name, byte[] content, int mode) throws IOException {
    ZipArchiveEntry e = new ZipArchiveEntry(name);
    e.setUnixMode(mode);
    zip.putArchiveEntry(e);
    zip.write(content);
    zip.closeArchiveEntry();
    return this;
  }

  public Zips symlink(String name, String target) throws IOException {
    ZipArchiveEntry e = new ZipArchiveEntry(name);
    e.setUnixMode(0120777);
    zip.putArchiveEntry(e);
    zip.write(target.getBytes(StandardCharsets.UTF_8));
    zip.closeArchiveEntry();
    return this;
  }

  public byte[] bytes() throws IOException {
    zip.finish();
    zip.close();
    return bytes.toByteArray();
  }

  /** A theme zip as wordpress.org ships them: one directory named after the slug. */
  public static Zips theme(String slug, String version) throws IOException {
    return new Zips()
        .dir(slug)
        .file(slug + "/style.css", "/*\nTheme Name: " + slug + "\nVersion: " + version + "\n*/\n")
        .file(slug + "/index.php", "<?php // " + slug + " " + version + "\n")
        .file(slug + "/assets/app.js", "console.log('" + version + "');\n");
  }

  /** A plugin zip: one directory with a main PHP file carrying the Plugin Name header. */
  public static Zips plugin(String slug, String version) throws IOException {
    return new Zips()
        .file(slug + "/" + slug + ".php", "<?php\n/**\n * Plugin Name: " + slug + "\n * Version: " + version
            + "\n */\n")
        .file(slug + "/readme.txt", "=== " + slug + " ===\n");
  }
}
