package io.wpsync.coordinator.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Extracts a WordPress theme or plugin {@code .zip} (the file users download from wordpress.org or
 * a vendor) into {@code dest/themes/<slug>/} or {@code dest/plugins/<slug>/}, safely.
 *
 * <p>Follows WordPress's convention: the zip holds exactly one top-level directory, whose name is
 * the slug ({@code akismet/akismet.php}); macOS {@code __MACOSX/} metadata is ignored. The slug is
 * 1..100 characters of {@code [A-Za-z0-9._-]} starting with a letter or digit. A theme must have
 * {@code <slug>/style.css} with a {@code Theme Name:} header, a plugin a top-level {@code
 * <slug>/*.php} with a {@code Plugin Name:} header (what WordPress looks for).
 *
 * <p>Guarantees: every entry lands inside {@code dest/<kind>/<slug>/}. An absolute name, a drive
 * letter, a backslash, a {@code ..} segment, a duplicate, a symlink whose target leaves the bundle's
 * directory, an encrypted entry or a malformed zip is refused with {@link UnsafeBundleException};
 * more than {@code maxBytes} of decompressed content or {@code maxEntries} entries (a zip bomb)
 * with {@link BundleTooLargeException}. On any failure {@code dest} is deleted. Entries are read
 * through the central directory, sizes are counted as decompressed, not as declared.
 *
 * <pre>{@code
 * ZipBundle.Extracted x = ZipBundle.extract(upload, BundleKind.THEME, workDir.resolve("x"), limits);
 * // x.tree() holds themes/<x.slug()>/...
 * }</pre>
 */
public final class ZipBundle {
  /** A slug WordPress would accept as a directory name, without any path trickery. */
  static final Pattern SLUG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  /** WordPress reads headers from a file's first 8 KiB. */
  private static final int HEADER_BYTES = 8 * 1024;
  private static final String MACOS_METADATA = "__MACOSX";

  /** The result: the tree holding {@code <kind dir>/<slug>/...} and the slug. */
  public record Extracted(Path tree, BundleKind kind, String slug) {
    /** The path the bundle occupies in a release, e.g. {@code plugins/akismet}. */
    public String releasePath() {
      return kind.pathOf(slug);
    }
  }

  private ZipBundle() {}

  /** True if {@code file} starts with a zip local-file or empty-archive signature. */
  public static boolean looksLikeZip(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] h = in.readNBytes(4);
      return h.length == 4 && h[0] == 'P' && h[1] == 'K' && (h[2] == 3 || h[2] == 5) && (h[3] == 4 || h[3] == 6);
    }
  }

  /** Extracts {@code archive} as a bundle of {@code kind} into {@code dest}, which must not exist. */
  public static Extracted extract(Path archive, BundleKind kind, Path dest, TarBundle.Limits limits)
      throws IOException, UnsafeBundleException, BundleTooLargeException {
    Files.createDirectory(dest);
    boolean ok = false;
    try {
      Extracted x;
      try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
        x = new Extraction(zip, kind, dest.toRealPath(), limits).run();
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        throw new UnsafeBundleException("not a valid zip archive: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new UnsafeBundleException("malformed zip entry: " + e.getMessage());
      }
      checkKind(x);
      ok = true;
      return x;
    } finally {
      if (!ok) {
        TarBundle.deleteTree(dest);
      }
    }
  }

  /** One extraction's state. */
  private static final class Extraction {
    private final ZipFile zip;
    private final BundleKind kind;
    private final Path root;
    private final TarBundle.Limits limits;
    private long bytes;

    Extraction(ZipFile zip, BundleKind kind, Path root, TarBundle.Limits limits) {
      this.zip = zip;
      this.kind = kind;
      this.root = root;
      this.limits = limits;
    }

    Extracted run() throws IOException, UnsafeBundleException, BundleTooLargeException {
      List<ZipArchiveEntry> entries = Collections.list(zip.getEntries());
      if (entries.size() > limits.maxEntries()) {
        throw new BundleTooLargeException("the zip has more than " + limits.maxEntries() + " entries");
      }
      List<ZipArchiveEntry> kept = new ArrayList<>();
      List<String> names = new ArrayList<>();
      TreeSet<String> tops = new TreeSet<>();
      for (ZipArchiveEntry e : entries) {
        String name = clean(e.getName());
        if (name.isEmpty() || name.equals(MACOS_METADATA) || name.startsWith(MACOS_METADATA + "/")) {
          continue;
        }
        int slash = name.indexOf('/');
        if (slash < 0 && !e.isDirectory()) {
          throw new UnsafeBundleException(String.format("the zip has the file '%s' at its top level; a %s zip holds "
              + "exactly one directory named after the %s's slug (e.g. my-%s/%s)", name, kind.label(), kind.label(),
              kind.label(), kind == BundleKind.THEME ? "style.css" : "my-plugin.php"));
        }
        tops.add(slash < 0 ? name : name.substring(0, slash));
        kept.add(e);
        names.add(name);
      }
      if (tops.isEmpty()) {
        throw new UnsafeBundleException("the zip holds no files");
      }
      if (tops.size() > 1) {
        throw new UnsafeBundleException("the zip has " + tops.size() + " top-level directories " + tops
            + "; a " + kind.label() + " zip holds exactly one, named after its slug");
      }
      String slug = tops.first();
      if (!SLUG.matcher(slug).matches()) {
        throw new UnsafeBundleException("'" + slug + "' is not a valid " + kind.label() + " slug: use 1-100 letters, "
            + "digits, '.', '_' or '-', starting with a letter or digit");
      }
      Path base = root.resolve(kind.directory());
      Files.createDirectories(base);
      for (int i = 0; i < kept.size(); i++) {
        try {
          extractOne(kept.get(i), names.get(i), base);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.NotDirectoryException ex) {
          throw new UnsafeBundleException("entry '" + kept.get(i).getName() + "' clashes with an earlier entry (a file "
              + "where a directory is needed, or the reverse)");
        }
      }
      return new Extracted(root, kind, slug);
    }

    private void extractOne(ZipArchiveEntry e, String name, Path base)
        throws IOException, UnsafeBundleException, BundleTooLargeException {
      Path target = inside(base, name, e.getName());
      Path bundleDir = base.resolve(name.substring(0, name.indexOf('/') < 0 ? name.length() : name.indexOf('/')));
      checkNoLinkAbove(target, base, e.getName());
      if (e.isDirectory()) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          throw new UnsafeBundleException("entry '" + e.getName() + "' is a directory and a file at once");
        }
        Files.createDirectories(target);
        return;
      }
      if (!zip.canReadEntryData(e)) {
        throw new UnsafeBundleException("entry '" + e.getName() + "' is encrypted or uses an unsupported compression "
            + "method (" + e.getMethod() + "); re-create the zip without a password");
      }
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new UnsafeBundleException("duplicate entry '" + e.getName() + "' (or a file and a directory of one name)");
      }
      Files.createDirectories(target.getParent());
      if (e.isUnixSymlink()) {
        symlink(e, target, bundleDir);
      } else {
        file(e, target);
      }
    }

    private void file(ZipArchiveEntry e, Path target) throws IOException, BundleTooLargeException {
      try (InputStream in = zip.getInputStream(e);
          OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          bytes += n;
          if (bytes > limits.maxBytes()) {
            throw new BundleTooLargeException("the zip expands to more than " + limits.maxBytes() + " bytes");
          }
          out.write(buf, 0, n);
        }
      }
      boolean exec = (e.getUnixMode() & 0111) != 0;
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
    }

    private void symlink(ZipArchiveEntry e, Path target, Path bundleDir) throws IOException, UnsafeBundleException {
      String link;
      try (InputStream in = zip.getInputStream(e)) {
        byte[] raw = in.readNBytes(4097);
        if (raw.length > 4096) {
          throw new UnsafeBundleException("symlink '" + e.getName() + "' has a target longer than 4096 bytes");
        }
        link = new String(raw, StandardCharsets.UTF_8);
      }
      if (link.isEmpty() || link.startsWith("/") || link.indexOf('\0') >= 0 || link.contains("\\")
          || link.matches("^[A-Za-z]:.*")) {
        throw new UnsafeBundleException("symlink '" + e.getName() + "' -> '" + link.replace('\0', '?')
            + "': only relative targets inside the " + kind.label() + " are allowed");
      }
      Path resolved = target.getParent().resolve(link).normalize();
      if (!resolved.startsWith(bundleDir) || resolved.equals(bundleDir)) {
        throw new UnsafeBundleException("symlink '" + e.getName() + "' -> '" + link + "' points outside the "
            + kind.label() + "'s directory");
      }
      Files.createSymbolicLink(target, target.getParent().relativize(resolved));
    }

    private Path inside(Path base, String clean, String original) throws UnsafeBundleException {
      Path p = base.resolve(clean).normalize();
      if (!p.startsWith(base) || p.equals(base)) {
        throw new UnsafeBundleException("entry '" + original + "' would be written outside the " + kind.label());
      }
      return p;
    }

    private static void checkNoLinkAbove(Path target, Path base, String original) throws UnsafeBundleException {
      for (Path p = target.getParent(); p != null && !p.equals(base); p = p.getParent()) {
        if (Files.isSymbolicLink(p)) {
          throw new UnsafeBundleException("entry '" + original + "' lies below the symlink '" + base.relativize(p) + "'");
        }
      }
    }
  }

  /**
   * A zip entry name made relative and plain, or a refusal: absolute names, drive letters, NUL,
   * backslashes and empty, {@code .} or {@code ..} segments are unsafe (zip slip).
   */
  static String clean(String name) throws UnsafeBundleException {
    if (name.indexOf('\0') >= 0 || name.contains("\\")) {
      throw new UnsafeBundleException("entry '" + name.replace('\0', '?') + "': NUL or backslash in a name");
    }
    if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
      throw new UnsafeBundleException("entry '" + name + "' has an absolute path; a zip holds relative paths");
    }
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    if (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.isEmpty() || n.equals(".")) {
      return "";
    }
    for (String seg : n.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw new UnsafeBundleException("entry '" + name + "': names may not contain empty, '.' or '..' segments "
            + "(zip slip)");
      }
    }
    return n;
  }

  /** Refuses a bundle that WordPress would not recognise as a {@code kind}. */
  private static void checkKind(Extracted x) throws IOException, UnsafeBundleException {
    Path dir = x.tree().resolve(x.releasePath());
    if (x.kind() == BundleKind.THEME) {
      Path style = dir.resolve("style.css");
      if (!Files.isRegularFile(style, LinkOption.NOFOLLOW_LINKS) || !hasHeader(style, x.kind().header())) {
        throw new UnsafeBundleException("not a theme: " + x.slug() + "/style.css with a 'Theme Name:' header is "
            + "missing (is it a plugin? use the plugin route)");
      }
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".php")
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && hasHeader(p, x.kind().header())) {
          return;
        }
      }
    }
    throw new UnsafeBundleException("not a plugin: no " + x.slug() + "/*.php with a 'Plugin Name:' header "
        + "(is it a theme? use the theme route)");
  }

  /** WordPress's get_file_data(): a {@code Header: value} line in the first 8 KiB. */
  static boolean hasHeader(Path file, String header) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(HEADER_BYTES);
    }
    String prefix = header.toLowerCase(Locale.ROOT) + ":";
    for (String line : new String(head, StandardCharsets.UTF_8).split("[\r\n]")) {
      String l = line.strip();
      if (l.regionMatches(true, 0, "<?php", 0, 5)) {
        l = l.substring(5);
      }
      int i = 0;
      while (i < l.length() && " \t/*#@".indexOf(l.charAt(i)) >= 0) {
        i++;
      }
      l = l.substring(i);
      if (l.toLowerCase(Locale.ROOT).startsWith(prefix)) {
        String value = l.substring(prefix.length()).replaceAll("\\s*(?:\\*/|\\?>).*$", "").strip();
        if (!value.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }
}
