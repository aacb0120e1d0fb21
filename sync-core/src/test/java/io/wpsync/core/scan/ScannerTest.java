package io.wpsync.core.scan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.UnsafePathException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScannerTest {
  private static final int PIECE = 64 * 1024;

  @TempDir Path root;
  private final List<Scanner> scanners = new ArrayList<>();

  @AfterEach
  void closeScanners() {
    scanners.forEach(Scanner::close);
  }

  /** A scanner whose cache trusts every stamp (its clock runs an hour ahead of the files). */
  private Scanner scanner(Scanner.Builder b) {
    Scanner s = b.pieceSize(PIECE).build();
    scanners.add(s);
    return s;
  }

  private Scanner.Builder trustingCache() {
    return Scanner.builder().cache(new ScanCache(1000, Duration.ofSeconds(2),
        Clock.offset(Clock.systemUTC(), Duration.ofHours(1))));
  }

  private Path write(String rel, byte[] data) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    return Files.write(p, data);
  }

  private Path write(String rel, String text) throws IOException {
    return write(rel, text.getBytes(UTF_8));
  }

  private static void chmod(Path p, String perms) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
  }

  private static List<String> paths(Manifest m) {
    return m.entries().stream().map(ManifestEntry::path).toList();
  }

  private static ManifestEntry entry(Manifest m, String path) {
    return m.entry(path).orElseThrow(() -> new AssertionError("no entry " + path + " in " + paths(m)));
  }

  @Test
  void recordsIncludedFilesDirectoriesAndModes() throws Exception {
    chmod(write("themes/t/functions.php", "<?php // f"), "rw-------");
    chmod(write("themes/t/style.css", "body{}"), "rw-r--r--");
    chmod(write("themes/t/bin/run.sh", "#!/bin/sh"), "rwxr-xr-x");
    write("plugins/p/p.php", "<?php // p");
    Files.createDirectories(root.resolve("plugins/p/empty"));
    chmod(root.resolve("themes/t"), "rwxr-x---");
    write("object-cache.php", "<?php // drop-in");
    write("uploads/2024/cat.jpg", "jpeg");
    write("cache/page.html", "cached");
    write("plugins/p/debug.log", "log");
    write("ai1wm-backups/site.wpress", "backup");

    Manifest m = scanner(Scanner.builder()).scan(root);

    assertThat(paths(m)).containsExactly(
        "object-cache.php", "plugins", "plugins/p", "plugins/p/empty", "plugins/p/p.php",
        "themes", "themes/t", "themes/t/bin", "themes/t/bin/run.sh", "themes/t/functions.php",
        "themes/t/style.css");
    assertThat(entry(m, "themes/t/functions.php").mode()).isEqualTo(0600);
    assertThat(entry(m, "themes/t/style.css").mode()).isEqualTo(0644);
    assertThat(entry(m, "themes/t/bin/run.sh").mode()).isEqualTo(0755);
    assertThat(entry(m, "themes/t").mode()).isEqualTo(0750);
    assertThat(entry(m, "plugins/p/empty").isDirectory()).isTrue();
    ManifestEntry css = entry(m, "themes/t/style.css");
    assertThat(css.size()).isEqualTo(6);
    assertThat(css.digest()).isEqualTo(Digest.of("body{}".getBytes(UTF_8)));
    assertThat(css.pieces()).isEmpty();
    assertThat(m.pieceSize()).isEqualTo(PIECE);
  }

  @Test
  void parentsAreRecordedOnlyForWhatTheyHold() throws Exception {
    write("plugins/a/deep/x.php", "x");
    write("plugins/a/other.php", "o");
    write("plugins/b/c/y.php", "y");
    write("themes/t.css", "t");
    Files.createDirectories(root.resolve("plugins/a/deep/empty"));
    ScanRules rules = ScanRules.of(List.of("plugins/a/deep/**"), List.of());

    Manifest m = scanner(Scanner.builder().rules(rules)).scan(root);

    assertThat(paths(m)).containsExactly(
        "plugins", "plugins/a", "plugins/a/deep", "plugins/a/deep/empty", "plugins/a/deep/x.php");
  }

  @Test
  void symlinksAreRecordedWithTheirTargetAndNeverFollowed() throws Exception {
    write("plugins/real/a.php", "<?php // a");
    Files.createSymbolicLink(root.resolve("plugins/alias"), Path.of("real"));
    Files.createDirectories(root.resolve("themes/t"));
    Files.createSymbolicLink(root.resolve("themes/t/link.php"), Path.of("../../plugins/real/a.php"));
    Files.createSymbolicLink(root.resolve("themes/t/dangling"), Path.of("missing.php"));
    Scanner scanner = scanner(Scanner.builder());

    Manifest m = scanner.scan(root);

    assertThat(entry(m, "plugins/alias").isSymlink()).isTrue();
    assertThat(entry(m, "plugins/alias").target()).isEqualTo("real");
    assertThat(entry(m, "themes/t/link.php").target()).isEqualTo("../../plugins/real/a.php");
    assertThat(entry(m, "themes/t/dangling").target()).isEqualTo("missing.php");
    assertThat(paths(m)).noneMatch(p -> p.startsWith("plugins/alias/"));
    assertThat(scanner.stats().filesHashed()).isEqualTo(1);
  }

  @Test
  void aSymlinkLeavingTheTreeIsUnsafe() throws Exception {
    Files.createDirectories(root.resolve("themes"));
    Files.createSymbolicLink(root.resolve("themes/etc"), Path.of("/etc"));
    assertThatThrownBy(() -> scanner(Scanner.builder()).scan(root))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("themes/etc")
        .hasMessageContaining("absolute");
  }

  @Test
  void aRelativeSymlinkClimbingOutIsUnsafe() throws Exception {
    Files.createDirectories(root.resolve("themes/t"));
    Files.createSymbolicLink(root.resolve("themes/t/up"), Path.of("../.."));
    Files.createSymbolicLink(root.resolve("themes/t/out"), Path.of("up/../secret"));
    assertThatThrownBy(() -> scanner(Scanner.builder()).scan(root))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("themes/t/out")
        .hasMessageContaining("escapes the tree");
  }

  @Test
  void aFileLargerThanOnePieceListsItsPieces() throws Exception {
    byte[] data = new byte[3 * PIECE + 1234];
    new SplittableRandom(5).nextBytes(data);
    write("plugins/p/big.zip", data);

    ManifestEntry big = entry(scanner(Scanner.builder()).scan(root), "plugins/p/big.zip");

    assertThat(big.size()).isEqualTo(data.length);
    assertThat(big.digest()).isEqualTo(Digest.of(data));
    assertThat(big.pieces()).containsExactly(
        Digest.of(data, 0, PIECE), Digest.of(data, PIECE, PIECE), Digest.of(data, 2 * PIECE, PIECE),
        Digest.of(data, 3 * PIECE, 1234));
  }

  @Test
  void theRootMayBeASymlink() throws Exception {
    Path real = root.resolve("release-1");
    Files.createDirectories(real.resolve("themes"));
    Files.writeString(real.resolve("themes/a.css"), "a");
    Path live = Files.createSymbolicLink(root.resolve("live"), Path.of("release-1"));
    assertThat(paths(scanner(Scanner.builder()).scan(live))).containsExactly("themes", "themes/a.css");
  }

  @Test
  void socketsAreSkipped() throws Exception {
    write("themes/a.css", "a");
    Path sock = root.resolve("themes/agent.sock");
    try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(sock));
      Scanner scanner = scanner(Scanner.builder());
      assertThat(paths(scanner.scan(root))).containsExactly("themes", "themes/a.css");
      assertThat(scanner.stats().skippedSpecial()).isEqualTo(1);
    }
  }

  @Test
  void aRescanOfAnUnchangedTreeReadsNoContent() throws Exception {
    for (int i = 0; i < 20; i++) {
      write("plugins/p" + (i % 3) + "/f" + i + ".php", "<?php // " + i);
    }
    write("plugins/big.zip", new byte[2 * PIECE + 1]);
    Scanner scanner = scanner(trustingCache());
    Manifest first = scanner.scan(root);
    long bytes = scanner.hasher().bytesHashed();
    long files = scanner.hasher().filesHashed();
    assertThat(files).isEqualTo(21);

    Manifest second = scanner.scan(root);

    assertThat(second).isEqualTo(first);
    assertThat(entry(second, "plugins/big.zip").pieces()).hasSize(3);
    assertThat(scanner.hasher().bytesHashed()).isEqualTo(bytes);
    assertThat(scanner.hasher().filesHashed()).isEqualTo(files);
    assertThat(scanner.stats().cacheHits()).isEqualTo(21);
    assertThat(scanner.cache().stats().hitCount()).isEqualTo(21);
  }

  @Test
  void anUnchangedRescanReturnsTheSameManifestAndAChangeANewOne() throws Exception {
    write("plugins/a.php", "a");
    Scanner scanner = scanner(trustingCache());
    Manifest first = scanner.scan(root);
    assertThat(scanner.scan(root)).isSameAs(first);

    write("plugins/b.php", "b");
    Manifest second = scanner.scan(root);
    assertThat(second).isNotSameAs(first);
    assertThat(paths(second)).containsExactly("plugins", "plugins/a.php", "plugins/b.php");
    Manifest ofPlugins = scanner.scan(root.resolve("plugins")); // another root: paths are relative to it
    assertThat(paths(ofPlugins)).containsExactly("a.php", "b.php");
    assertThat(scanner.scan(root)).isNotSameAs(second).isEqualTo(second);
  }

  @Test
  void filesChangedWithinTheRacyWindowAreHashedAgain() throws Exception {
    write("plugins/a.php", "a");
    Scanner scanner = scanner(Scanner.builder().cache(new ScanCache(1000, Duration.ofHours(1), Clock.systemUTC())));
    scanner.scan(root);
    scanner.scan(root);
    assertThat(scanner.hasher().filesHashed()).isEqualTo(2);
    assertThat(scanner.cache().size()).isZero();
  }

  @Test
  void aRewriteWithTheSameSizeAndAForgedMtimeIsSeen() throws Exception {
    Path f = write("plugins/a.php", "version-1");
    FileTime mtime = Files.getLastModifiedTime(f);
    Scanner scanner = scanner(trustingCache());
    scanner.scan(root);

    awaitTimestampTick(f);
    Files.writeString(f, "version-2");
    Files.setLastModifiedTime(f, mtime); // touch -d: only ctime betrays the change
    Manifest m = scanner.scan(root);

    assertThat(entry(m, "plugins/a.php").digest()).isEqualTo(Digest.of("version-2".getBytes(UTF_8)));
    assertThat(scanner.hasher().filesHashed()).isEqualTo(2);
  }

  @Test
  void aFileReplacedByRenameIsSeen() throws Exception {
    Path f = write("plugins/a.php", "version-1");
    Scanner scanner = scanner(trustingCache());
    scanner.scan(root);

    Path tmp = Files.writeString(root.resolve("tmp"), "version-2");
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Manifest m = scanner.scan(root);

    assertThat(entry(m, "plugins/a.php").digest()).isEqualTo(Digest.of("version-2".getBytes(UTF_8)));
  }

  @Test
  void aFileModifiedWhileBeingHashedIsReadAgain() throws Exception {
    byte[] data = new byte[20_000];
    Path f = write("plugins/p/grow.php", data);
    AtomicBoolean once = new AtomicBoolean();
    Scanner scanner = scanner(Scanner.builder().bufferSize(4096).readListener((file, bytes) -> {
      if (file.equals(f) && once.compareAndSet(false, true)) {
        Files.write(f, "tail".getBytes(UTF_8), StandardOpenOption.APPEND);
      }
    }));

    ManifestEntry e = entry(scanner.scan(root), "plugins/p/grow.php");

    byte[] now = Files.readAllBytes(f);
    assertThat(now).hasSize(20_004);
    assertThat(e.size()).isEqualTo(20_004);
    assertThat(e.digest()).isEqualTo(Digest.of(now));
    assertThat(scanner.stats().retries()).isEqualTo(1);
  }

  @Test
  void aFileThatKeepsChangingFailsTheScanByName() throws Exception {
    write("themes/ok.css", "fine");
    Path f = write("plugins/p/busy.php", "v0");
    AtomicInteger version = new AtomicInteger();
    Scanner scanner = scanner(Scanner.builder().maxAttempts(3).readListener((file, bytes) -> {
      if (file.equals(f)) { // a deploy tool replacing the file again and again
        Path tmp = Files.writeString(root.resolve("busy.tmp"), "v" + version.incrementAndGet());
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }));

    assertThatThrownBy(() -> scanner.scan(root))
        .isInstanceOf(FileChangedDuringScanException.class)
        .hasMessageContaining("plugins/p/busy.php")
        .hasMessageContaining("3 reads")
        .hasMessageContaining("replaced by another inode");
    assertThat(version.get()).isEqualTo(3);
  }

  @Test
  void aNameThatIsNotUtf8IsUnsafe() throws Exception {
    Files.createDirectories(root.resolve("plugins"));
    Process p = new ProcessBuilder("sh", "-c", "touch \"$1/plugins/bad$(printf '\\377').php\"", "sh", root.toString())
        .inheritIO().start();
    assertThat(p.waitFor()).isZero();

    assertThatThrownBy(() -> scanner(Scanner.builder()).scan(root))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("plugins/bad")
        .hasMessageContaining("UTF-8");
  }

  @Test
  void badNamesInExcludedPlacesDoNotMatter() throws Exception {
    write("themes/a.css", "a");
    Files.createDirectories(root.resolve("uploads"));
    Process p = new ProcessBuilder("sh", "-c", "touch \"$1/uploads/bad$(printf '\\377').jpg\"", "sh", root.toString())
        .inheritIO().start();
    assertThat(p.waitFor()).isZero();
    assertThat(paths(scanner(Scanner.builder()).scan(root))).containsExactly("themes", "themes/a.css");
  }

  @Test
  void utf8NamesAreKept() throws Exception {
    Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")),
        "needs a UTF-8 locale (LC_ALL=C.UTF-8)");
    write("languages/café-ü.mo", "mo");
    assertThat(paths(scanner(Scanner.builder()).scan(root))).contains("languages/café-ü.mo");
  }

  @Test
  void hashingRunsOnTheInjectedExecutor() throws Exception {
    for (int i = 0; i < 5; i++) {
      write("plugins/f" + i + ".php", "x" + i);
    }
    AtomicInteger tasks = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Scanner scanner = scanner(Scanner.builder().executor(r -> {
        tasks.incrementAndGet();
        pool.execute(r);
      }));
      assertThat(scanner.scan(root).fileCount()).isEqualTo(5);
      assertThat(tasks.get()).isEqualTo(5);
      scanner.close();
      assertThat(pool.isShutdown()).isFalse();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void customRulesReplaceTheDefaults() throws Exception {
    write("uploads/a.jpg", "jpg");
    write("themes/a.css", "css");
    Manifest m = scanner(Scanner.builder().rules(ScanRules.of(List.of("uploads/**"), List.of()))).scan(root);
    assertThat(paths(m)).containsExactly("uploads", "uploads/a.jpg");
  }

  /** Waits until the file system clock has moved past {@code f}'s ctime, so a write changes it. */
  private void awaitTimestampTick(Path f) throws Exception {
    long ctime = FileStamp.read(f).ctimeNanos();
    Path probe = root.resolve("probe");
    for (int i = 0; i < 1000; i++) {
      Files.writeString(probe, "p" + i);
      if (FileStamp.read(probe).ctimeNanos() > ctime) {
        Files.delete(probe);
        return;
      }
      Thread.sleep(2);
    }
    throw new AssertionError("file system clock did not move in 2 s");
  }

  @Test
  void stampsReadOneLstat() throws Exception {
    Path f = write("themes/a.css", "abc");
    Path link = Files.createSymbolicLink(root.resolve("themes/l"), Path.of("a.css"));
    FileStamp s = FileStamp.read(f);
    assertThat(s.isRegularFile()).isTrue();
    assertThat(s.size()).isEqualTo(3);
    assertThat(s.ino()).isEqualTo(Files.getAttribute(f, "unix:ino"));
    assertThat(FileStamp.read(link).isSymlink()).isTrue();
    assertThat(FileStamp.read(root).isDirectory()).isTrue();
    assertThat(Files.isSymbolicLink(link) && Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Arrays.asList(s.typeName(), FileStamp.read(link).typeName())).containsExactly("file", "symlink");
  }
}
