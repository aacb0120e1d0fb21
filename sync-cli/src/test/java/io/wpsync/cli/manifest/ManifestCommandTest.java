package io.wpsync.cli.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.cli.WpsyncMain;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestJson;
import io.wpsync.core.scan.ScanRules;
import io.wpsync.core.scan.Scanner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ManifestCommandTest {
  @TempDir Path root;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = WpsyncMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @BeforeEach
  void tree() throws Exception {
    Files.createDirectories(root.resolve("themes/t"));
    Files.writeString(root.resolve("themes/t/style.css"), "body{}");
    Files.createDirectories(root.resolve("plugins/p"));
    Files.writeString(root.resolve("plugins/p/p.php"), "<?php");
    Files.writeString(root.resolve("plugins/p/debug.log"), "noise");
    Files.createDirectories(root.resolve("uploads"));
    Files.writeString(root.resolve("uploads/cat.jpg"), "jpeg");
    Files.writeString(root.resolve("object-cache.php"), "<?php // cache");
  }

  @Test
  void printsTheSameManifestAsTheScanner() throws Exception {
    int code = run("manifest", root.toString());

    assertThat(code).isZero();
    assertThat(err.toString()).isEmpty();
    Manifest printed = ManifestJson.fromJson(out.toString());
    try (Scanner scanner = Scanner.builder().build()) {
      assertThat(printed.id()).isEqualTo(scanner.scan(root).id());
    }
    assertThat(printed.entries()).extracting(ManifestEntry::path).containsExactly(
        "object-cache.php", "plugins", "plugins/p", "plugins/p/p.php", "themes", "themes/t", "themes/t/style.css");
  }

  @Test
  void includeAndExcludeReplaceTheDefaults() throws Exception {
    int code = run("manifest", root.toString(), "--include", "uploads/**", "--include", "plugins/**",
        "--exclude", "plugins/p/p.php");

    assertThat(code).isZero();
    assertThat(ManifestJson.fromJson(out.toString()).entries()).extracting(ManifestEntry::path)
        .containsExactly("plugins", "plugins/p", "plugins/p/debug.log", "uploads", "uploads/cat.jpg");
  }

  @Test
  void summaryAndPieceSize() throws Exception {
    Files.write(root.resolve("plugins/p/big.zip"), new byte[200_000]);
    int code = run("manifest", root.toString(), "--output", "summary", "--piece-size", "64KiB");

    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text).contains("pieceSize   65536").contains("(4 files, 4 directories, 0 symlinks)")
        .contains("totalBytes  200025");
    run("manifest", root.toString(), "--piece-size", "65536");
    assertThat(out.toString()).contains("\"pieces\":[");
  }

  @Test
  void anUnsafeTreeFailsWithOneLineAndExitCode1() throws Exception {
    Files.createSymbolicLink(root.resolve("themes/etc"), Path.of("/etc"));
    int code = run("manifest", root.toString());

    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).startsWith("wpsync manifest: unsafe path 'themes/etc'")
        .doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(err.toString().strip().lines()).hasSize(1);
  }

  @Test
  void aMissingDirectoryIsExitCode1() {
    assertThat(run("manifest", root.resolve("nope").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("no such file or directory").contains("nope");
  }

  @Test
  void badUsageIsExitCode2() {
    assertThat(run("manifest")).isEqualTo(2);
    assertThat(run("manifest", root.toString(), "--output", "xml")).isEqualTo(2);
    assertThat(run("manifest", root.toString(), "--piece-size", "1KiB")).isEqualTo(2);
    assertThat(run("manifest", root.toString(), "--piece-size", "lots")).isEqualTo(2);
    assertThat(run("manifest", root.toString(), "--include", "/abs/**")).isEqualTo(2);
    assertThat(err.toString()).contains("glob '/abs/**'");
    assertThat(run()).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
  }

  @Test
  void helpVersionAndDocumentedDefaults() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("wpsync ");
    assertThat(run("manifest", "--help")).isZero();
    String help = out.toString();
    ScanRules.DEFAULT_INCLUDES.forEach(p -> assertThat(help).contains(p));
    ScanRules.DEFAULT_EXCLUDES.forEach(p -> assertThat(help).contains(p));
  }
}
