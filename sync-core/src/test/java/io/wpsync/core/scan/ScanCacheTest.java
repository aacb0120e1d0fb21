package io.wpsync.core.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache variant for hard-linked live trees: a link elsewhere (a ctime change) is still a hit. */
class ScanCacheTest {
  @TempDir
  Path tmp;

  private static Scanner scanner(ScanCache cache) {
    return Scanner.builder().cache(cache).threads(1).build();
  }

  private Path tree() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("live/plugins/a"));
    Files.writeString(root.resolve("a.php"), "<?php // a");
    Files.setLastModifiedTime(root.resolve("a.php"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    return tmp.resolve("live");
  }

  @Test
  void aHardLinkElsewhereMissesTheDefaultCacheButHitsTheCtimeFreeOne() throws Exception {
    Path root = tree();
    Path file = root.resolve("plugins/a/a.php");
    try (Scanner plain = scanner(new ScanCache()); Scanner live = scanner(ScanCache.ignoringCtime())) {
      plain.scan(root);
      live.scan(root);
      Files.createLink(tmp.resolve("other-release-a.php"), file); // changes the shared inode's ctime
      long plainMisses = plain.stats().cacheMisses();
      long liveMisses = live.stats().cacheMisses();

      plain.scan(root);
      live.scan(root);

      assertThat(plain.stats().cacheMisses()).isEqualTo(plainMisses + 1);
      assertThat(live.stats().cacheMisses()).isEqualTo(liveMisses);
    }
  }

  @Test
  void invalidatedPathsAreReadAgain() throws Exception {
    Path root = tree();
    ScanCache cache = ScanCache.ignoringCtime();
    try (Scanner live = scanner(cache)) {
      var first = live.scan(root);
      // a same-size rewrite with the mtime forged back: the stamp alone cannot tell
      Path file = root.resolve("plugins/a/a.php");
      Files.writeString(file, "<?php // b");
      Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
      assertThat(live.scan(root)).isEqualTo(first);

      cache.invalidate(List.of("plugins/a/a.php")); // what the file watcher reported
      assertThat(live.scan(root)).isNotEqualTo(first);
    }
  }
}
