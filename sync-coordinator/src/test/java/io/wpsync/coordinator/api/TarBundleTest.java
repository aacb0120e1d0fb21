package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarBundleTest {
  @TempDir
  Path tmp;

  private Path archive(byte[] bytes) throws IOException {
    Path p = Files.createTempFile(tmp, "upload-", ".tar");
    Files.write(p, bytes);
    return p;
  }

  private Path extract(byte[] bytes) throws Exception {
    Path a = archive(bytes);
    return TarBundle.extract(a, TarBundle.Compression.detect(a), tmp.resolve("out"), TarBundle.Limits.defaults());
  }

  private void assertRefused(byte[] bytes, String message) throws IOException {
    Path a = archive(bytes);
    assertThatThrownBy(() -> TarBundle.extract(a, TarBundle.Compression.detect(a), tmp.resolve("out"),
        TarBundle.Limits.defaults()))
        .isInstanceOf(UnsafeBundleException.class)
        .hasMessageContaining(message);
    assertThat(tmp.resolve("out")).doesNotExist(); // nothing of a refused bundle is kept
  }

  @Test
  void extractsFilesDirectoriesSymlinksAndModes() throws Exception {
    byte[] tar = new Tars()
        .dir("./themes/")
        .file("./themes/a/style.css", "css")
        .file("bin/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0100755)
        .symlink("themes/b", "a")
        .hardlink("themes/a/copy.css", "themes/a/style.css")
        .bytes();
    Path out = extract(tar);
    assertThat(out.resolve("themes/a/style.css")).hasContent("css");
    assertThat(out.resolve("themes/a/copy.css")).hasContent("css");
    assertThat(Files.readSymbolicLink(out.resolve("themes/b"))).isEqualTo(Path.of("a"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("bin/run.sh")))).isEqualTo("rwxr-xr-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("themes/a/style.css")))).isEqualTo("rw-r--r--");
  }

  @Test
  void gzipIsDetectedByItsMagicBytes() throws Exception {
    Path a = archive(Tars.sampleSite("1").gzipped());
    assertThat(TarBundle.Compression.detect(a)).isEqualTo(TarBundle.Compression.GZIP);
    Path out = TarBundle.extract(a, TarBundle.Compression.GZIP, tmp.resolve("out"), TarBundle.Limits.defaults());
    assertThat(out.resolve("themes/demo/style.css")).exists();
  }

  @Test
  void zipSlipIsRefused() throws Exception {
    assertRefused(new Tars().file("themes/ok.css", "x").file("../../evil.php", "<?php").bytes(), "'..'");
    assertThat(tmp.getParent().resolve("evil.php")).doesNotExist();
  }

  @Test
  void dotDotInsideANameIsRefused() throws Exception {
    assertRefused(new Tars().file("themes/../../x", "x").bytes(), "'..'");
  }

  @Test
  void absolutePathIsRefused() throws Exception {
    assertRefused(new Tars().file("/etc/cron.d/evil", "x").bytes(), "absolute path");
  }

  @Test
  void symlinkEscapingTheTreeIsRefused() throws Exception {
    assertRefused(new Tars().symlink("themes/x", "../../../etc").bytes(), "points outside the tree");
    assertRefused(new Tars().symlink("themes/x", "/etc/passwd").bytes(), "only relative targets");
  }

  @Test
  void writingThroughASymlinkIsRefused() throws Exception {
    assertRefused(new Tars().dir("a").symlink("b", "a").file("b/x", "x").bytes(), "below the symlink 'b'");
  }

  @Test
  void hardLinkToSomethingOutsideIsRefused() throws Exception {
    assertRefused(new Tars().hardlink("x", "../../etc/passwd").bytes(), "'..'");
    assertRefused(new Tars().hardlink("x", "missing.txt").bytes(), "earlier in the archive");
  }

  @Test
  void duplicatesDevicesAndGarbageAreRefused() throws Exception {
    assertRefused(new Tars().file("a", "1").file("a", "2").bytes(), "duplicate entry 'a'");
    assertRefused(new Tars().fifo("pipe").bytes(), "fifo");
    assertRefused(new Tars().file("a", "1").file("a/b", "2").bytes(), "clashes");
    assertRefused("this is not a tar archive at all, just some text that goes on and on".repeat(20)
        .getBytes(StandardCharsets.UTF_8), "");
  }

  @Test
  void decompressionBombIsStopped() throws Exception {
    byte[] big = new byte[200_000];
    Path a = archive(new Tars().file("themes/big.bin", big, 0100644).gzipped());
    assertThatThrownBy(() -> TarBundle.extract(a, TarBundle.Compression.GZIP, tmp.resolve("out"),
        new TarBundle.Limits(100_000, 10)))
        .isInstanceOf(BundleTooLargeException.class)
        .hasMessageContaining("100000 bytes");
    assertThat(tmp.resolve("out")).doesNotExist();
    Path many = archive(new Tars().file("a", "1").file("b", "2").file("c", "3").bytes());
    assertThatThrownBy(() -> TarBundle.extract(many, TarBundle.Compression.NONE, tmp.resolve("out"),
        new TarBundle.Limits(100_000, 2)))
        .isInstanceOf(BundleTooLargeException.class);
  }

  @Test
  void symlinkToADirectoryInsideIsKeptRelative() throws Exception {
    Path out = extract(new Tars().dir("themes/a").symlink("plugins/link", "../themes/a").bytes());
    assertThat(Files.isSymbolicLink(out.resolve("plugins/link"))).isTrue();
    assertThat(Files.readSymbolicLink(out.resolve("plugins/link"))).isEqualTo(Path.of("../themes/a"));
    assertThat(Files.isDirectory(out.resolve("plugins/link"))).isTrue();
    assertThat(Files.exists(out.resolve("plugins/link"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }
}
