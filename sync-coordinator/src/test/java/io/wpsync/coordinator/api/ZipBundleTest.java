package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipBundleTest {
  @TempDir
  Path tmp;

  private Path archive(byte[] bytes) throws IOException {
    Path p = Files.createTempFile(tmp, "upload-", ".zip");
    Files.write(p, bytes);
    return p;
  }

  private ZipBundle.Extracted extract(byte[] zip, BundleKind kind) throws Exception {
    return ZipBundle.extract(archive(zip), kind, tmp.resolve("out"), TarBundle.Limits.defaults());
  }

  private void assertRefused(byte[] zip, BundleKind kind, String message) throws IOException {
    Path a = archive(zip);
    assertThatThrownBy(() -> ZipBundle.extract(a, kind, tmp.resolve("out"), TarBundle.Limits.defaults()))
        .isInstanceOf(UnsafeBundleException.class)
        .hasMessageContaining(message);
    assertThat(tmp.resolve("out")).doesNotExist(); // nothing of a refused bundle is kept
  }

  @Test
  void aThemeLandsUnderThemesSlugWithModesAndInnerSymlinks() throws Exception {
    byte[] zip = Zips.theme("twentyfoo", "1.2")
        .file("twentyfoo/bin/build.sh", "#!/bin/sh\n".getBytes(), 0100755)
        .symlink("twentyfoo/main.js", "assets/app.js")
        .dir("__MACOSX/twentyfoo")
        .file("__MACOSX/twentyfoo/._style.css", "junk")
        .bytes();
    ZipBundle.Extracted x = extract(zip, BundleKind.THEME);
    assertThat(x.slug()).isEqualTo("twentyfoo");
    assertThat(x.releasePath()).isEqualTo("themes/twentyfoo");
    Path dir = x.tree().resolve("themes/twentyfoo");
    assertThat(dir.resolve("style.css")).content().contains("Version: 1.2");
    assertThat(dir.resolve("assets/app.js")).exists();
    assertThat(Files.readSymbolicLink(dir.resolve("main.js"))).isEqualTo(Path.of("assets/app.js"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bin/build.sh"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(x.tree().resolve("__MACOSX")).doesNotExist();
    try (var s = Files.list(x.tree())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("themes");
    }
  }

  @Test
  void aPluginNeedsAPhpFileWithThePluginNameHeader() throws Exception {
    ZipBundle.Extracted x = extract(Zips.plugin("hello-dolly", "1.7").bytes(), BundleKind.PLUGIN);
    assertThat(x.releasePath()).isEqualTo("plugins/hello-dolly");
    assertThat(x.tree().resolve("plugins/hello-dolly/hello-dolly.php")).exists();
  }

  @Test
  void zipSlipAbsoluteNamesAndBackslashesAreRefused() throws Exception {
    assertRefused(Zips.theme("t", "1").file("t/../../../etc/cron.d/x", "evil").bytes(), BundleKind.THEME, "zip slip");
    assertRefused(Zips.theme("t", "1").file("../t/x.php", "evil").bytes(), BundleKind.THEME, "zip slip");
    assertRefused(Zips.theme("t", "1").file("/etc/passwd", "evil").bytes(), BundleKind.THEME, "absolute path");
    assertRefused(Zips.theme("t", "1").file("C:/evil.php", "evil").bytes(), BundleKind.THEME, "absolute path");
    // Windows-style separators are read as '/' and then checked like any name
    assertRefused(Zips.theme("t", "1").file("t\\..\\..\\evil.php", "evil").bytes(), BundleKind.THEME, "zip slip");
  }

  @Test
  void symlinksOutOfTheBundleAreRefused() throws Exception {
    assertRefused(Zips.theme("t", "1").symlink("t/passwd", "/etc/passwd").bytes(), BundleKind.THEME,
        "only relative targets");
    assertRefused(Zips.theme("t", "1").symlink("t/up", "../../plugins/other").bytes(), BundleKind.THEME,
        "points outside the theme");
    assertRefused(Zips.theme("t", "1").symlink("t/self", ".").bytes(), BundleKind.THEME, "points outside");
    // a file written through a link to a directory of the bundle is refused too
    assertRefused(Zips.theme("t", "1").symlink("t/a", "assets").file("t/a/x.js", "x").bytes(), BundleKind.THEME,
        "below the symlink");
  }

  @Test
  void theSlugIsTheSingleTopLevelDirectoryAndIsValidated() throws Exception {
    assertRefused(Zips.theme("t", "1").file("readme.txt", "x").bytes(), BundleKind.THEME, "at its top level");
    assertRefused(Zips.theme("a", "1").file("b/style.css", "Theme Name: b").bytes(), BundleKind.THEME,
        "2 top-level directories [a, b]");
    assertRefused(Zips.theme("-bad", "1").bytes(), BundleKind.THEME, "not a valid theme slug");
    assertRefused(Zips.theme("x".repeat(101), "1").bytes(), BundleKind.THEME, "not a valid theme slug");
    assertRefused(new Zips().bytes(), BundleKind.THEME, "holds no files");
  }

  @Test
  void aThemeIsNotAPluginAndTheReverse() throws Exception {
    assertRefused(Zips.plugin("p", "1").bytes(), BundleKind.THEME, "not a theme");
    assertRefused(Zips.theme("t", "1").bytes(), BundleKind.PLUGIN, "not a plugin");
    assertRefused(new Zips().file("t/style.css", "/* no header */").bytes(), BundleKind.THEME, "not a theme");
  }

  @Test
  void duplicatesAndMalformedArchivesAreRefused() throws Exception {
    assertRefused(Zips.theme("t", "1").file("t/index.php", "again").bytes(), BundleKind.THEME, "duplicate");
    assertRefused("not a zip at all".getBytes(), BundleKind.THEME, "not a valid zip");
    byte[] good = Zips.theme("t", "1").bytes();
    byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
    assertRefused(truncated, BundleKind.THEME, "not a valid zip");
  }

  @Test
  void aZipBombIsTooLarge() throws Exception {
    byte[] zeros = new byte[200_000]; // compresses to a few hundred bytes
    byte[] zip = Zips.theme("t", "1").file("t/bomb.bin", zeros, 0100644).bytes();
    assertThat(zip.length).isLessThan(5_000);
    Path a = archive(zip);
    assertThatThrownBy(() -> ZipBundle.extract(a, BundleKind.THEME, tmp.resolve("out"),
        new TarBundle.Limits(100_000, 1000)))
        .isInstanceOf(BundleTooLargeException.class)
        .hasMessageContaining("more than 100000 bytes");
    assertThat(tmp.resolve("out")).doesNotExist();
    assertThatThrownBy(() -> ZipBundle.extract(a, BundleKind.THEME, tmp.resolve("out"), new TarBundle.Limits(1 << 30, 3)))
        .isInstanceOf(BundleTooLargeException.class)
        .hasMessageContaining("more than 3 entries");
  }

  @Test
  void headersAreReadAsWordPressDoes() throws Exception {
    Path f = tmp.resolve("h.php");
    Files.writeString(f, "<?php\n/*\n * Plugin Name:   Hello\n */");
    assertThat(ZipBundle.hasHeader(f, "Plugin Name")).isTrue();
    Files.writeString(f, "<?php /* Plugin Name: */");
    assertThat(ZipBundle.hasHeader(f, "Plugin Name")).isFalse();
    Files.writeString(f, "x".repeat(9000) + "\nPlugin Name: late");
    assertThat(ZipBundle.hasHeader(f, "Plugin Name")).isFalse();
    assertThat(ZipBundle.looksLikeZip(archive(Zips.theme("t", "1").bytes()))).isTrue();
    assertThat(ZipBundle.looksLikeZip(f)).isFalse();
  }
}
