package io.wpsync.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recycling a release that retention would delete into the next one, by its difference only. */
class ReleaseRecyclerTest {
  @TempDir Path dir;
  FileContentStore store;
  ReleaseLayout layout;
  ReleaseOptions live;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @BeforeEach
  void setUp() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
    layout = new ReleaseLayout(dir.resolve("root"));
    live = ReleaseOptions.defaults().withMode(ReleaseMode.LIVE)
        .withLinkedPaths(Map.of("uploads", Files.createDirectories(dir.resolve("shared"))));
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  private Manifest v1() {
    return new TreeBuilder(store)
        .dir("plugins", 0755)
        .dir("plugins/a", 0755)
        .file("plugins/a/a.php", 0644, "<?php // a")
        .file("plugins/a/gone.php", 0644, "<?php // removed in v2")
        .file("plugins/a/run.sh", 0644, "#!/bin/sh")
        .file("plugins/a/edit.php", 0644, "<?php // v1")
        .dir("plugins/old", 0755)
        .file("plugins/old/old.php", 0644, "<?php // old plugin")
        .build();
  }

  private Manifest v2() {
    return new TreeBuilder(store)
        .dir("plugins", 0755)
        .dir("plugins/a", 0755)
        .file("plugins/a/a.php", 0644, "<?php // a")
        .file("plugins/a/run.sh", 0755, "#!/bin/sh")
        .file("plugins/a/edit.php", 0644, "<?php // v2")
        .dir("plugins/new", 0750)
        .file("plugins/new/new.php", 0644, "<?php // new plugin")
        .symlink("plugins/new/link.php", "new.php")
        .build();
  }

  private static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  /**
   * Told by a rescan what the spare holds beside its manifest, the recycler lists the whole tree
   * again only if that is more than the linked paths, and the result is exact either way.
   */
  @Test
  void whatTheRescanSawDecidesWhetherTheTreeIsListedAgain() throws Exception {
    Manifest v1 = v1();
    new ReleaseMaterializer(layout, store, live, clock).materialize("r1", v1);
    Path r1 = layout.releaseDir("r1");
    Files.createDirectories(r1.resolve("cache/page"));
    Files.writeString(r1.resolve("cache/page/index.html"), "stale page"); // excluded: the rescan lists, not enters
    io.wpsync.core.scan.Scanner.Listing seen;
    try (var scanner = io.wpsync.core.scan.Scanner.builder().build()) {
      seen = scanner.list(r1);
    }
    assertThat(seen.unrecorded()).containsExactlyInAnyOrder("cache", "uploads");

    ReleaseRecycler recycler = new ReleaseRecycler(layout, store, live, clock);
    assertThat(recycler.recycle("r1", v1, seen.unrecorded(), "r2", v2(), ReleaseMaterializer.Reuse.NONE)).isPresent();
    assertThat(new ReleaseVerifier(layout, store).verify("r2", v2()).problems()).isEmpty();
    assertThat(Files.exists(layout.releaseDir("r2").resolve("cache"))).isFalse();

    try (var scanner = io.wpsync.core.scan.Scanner.builder().build()) {
      seen = scanner.list(layout.releaseDir("r2"));
    }
    assertThat(seen.unrecorded()).containsExactly("uploads"); // only the linked path: no second listing needed
    assertThat(recycler.recycle("r2", v2(), seen.unrecorded(), "r3", v1, ReleaseMaterializer.Reuse.NONE)).isPresent();
    assertThat(new ReleaseVerifier(layout, store).verify("r3", v1).problems()).isEmpty();
  }

  @Test
  void theSpareBecomesTheNewReleaseByItsDifferenceOnly() throws Exception {
    Manifest v1 = v1();
    new ReleaseMaterializer(layout, store, live, clock).materialize("r1", v1);
    Path r1 = layout.releaseDir("r1");
    Path sharedElsewhere = dir.resolve("current-run.sh");
    Files.createLink(sharedElsewhere, r1.resolve("plugins/a/run.sh")); // like the current release sharing it
    Object unchanged = inode(r1.resolve("plugins/a/a.php"));
    // what WordPress left where the capture does not look: must not survive into another release
    Files.createDirectories(r1.resolve("cache/page"));
    Files.writeString(r1.resolve("cache/page/index.html"), "stale page");
    Files.writeString(r1.resolve("plugins/a/debug.log"), "old log");
    Manifest v2 = v2();

    var rec = new ReleaseRecycler(layout, store, live, clock).recycle("r1", v1, "r2", v2, ReleaseMaterializer.Reuse.NONE);

    assertThat(rec).isPresent();
    assertThat(layout.releaseIds()).containsExactly("r2");
    assertThat(layout.record("r1")).isEmpty();
    assertThat(new ReleaseVerifier(layout, store).verify("r2", v2).problems()).isEmpty();
    Path r2 = layout.releaseDir("r2");
    assertThat(inode(r2.resolve("plugins/a/a.php"))).as("unchanged: the same file").isEqualTo(unchanged);
    assertThat(Files.exists(r2.resolve("cache"))).isFalse();
    assertThat(Files.exists(r2.resolve("plugins/a/debug.log"))).isFalse();
    assertThat(Files.isSymbolicLink(r2.resolve("uploads"))).as("linked path kept").isTrue();
    // a mode change is a new file: the file shared with another release keeps its mode
    assertThat(ReleaseMaterializerTest.mode(r2.resolve("plugins/a/run.sh"))).isEqualTo(0755);
    assertThat(ReleaseMaterializerTest.mode(sharedElsewhere)).isEqualTo(0644);
  }

  @Test
  void aReadOnlySpareBecomesTheNextReadOnlyRelease() throws Exception {
    ReleaseOptions readOnly = ReleaseOptions.defaults();
    Manifest v1 = v1();
    new ReleaseMaterializer(layout, store, readOnly, clock).materialize("r1", v1);
    Object unchanged = inode(layout.releaseDir("r1").resolve("plugins/a/a.php"));
    Manifest v2 = v2();

    var rec = new ReleaseRecycler(layout, store, readOnly, clock).recycle("r1", v1, "r2", v2, ReleaseMaterializer.Reuse.NONE);

    assertThat(rec).isPresent();
    assertThat(rec.get().mode()).isEqualTo(ReleaseMode.READ_ONLY);
    assertThat(layout.releaseIds()).containsExactly("r2");
    assertThat(new ReleaseVerifier(layout, store).verify("r2", v2).problems()).isEmpty();
    Path r2 = layout.releaseDir("r2");
    assertThat(inode(r2.resolve("plugins/a/a.php"))).as("unchanged: the same store-linked file").isEqualTo(unchanged);
    // every directory it wrote into is read-only again, the new one too
    assertThat(ReleaseMaterializerTest.mode(r2)).isEqualTo(0555);
    assertThat(ReleaseMaterializerTest.mode(r2.resolve("plugins/a"))).isEqualTo(0555);
    assertThat(ReleaseMaterializerTest.mode(r2.resolve("plugins/new"))).isEqualTo(0550);
    assertThat(ReleaseMaterializerTest.mode(r2.resolve("plugins/new/new.php"))).isEqualTo(0444);
  }

  @Test
  void aSpareThatDoesNotFitIsLeftAlone() throws Exception {
    Manifest v1 = v1();
    new ReleaseMaterializer(layout, store, live, clock).materialize("r1", v1);

    var readOnly = new ReleaseRecycler(layout, store, ReleaseOptions.defaults(), clock)
        .recycle("r1", v1, "r2", v2(), ReleaseMaterializer.Reuse.NONE);
    var otherLinks = new ReleaseRecycler(layout, store, live.withLinkedPaths(Map.of()), clock)
        .recycle("r1", v1, "r2", v2(), ReleaseMaterializer.Reuse.NONE);
    var missing = new ReleaseRecycler(layout, store, live, clock)
        .recycle("r9", v1, "r2", v2(), ReleaseMaterializer.Reuse.NONE);

    assertThat(readOnly).isEmpty();
    assertThat(otherLinks).isEmpty();
    assertThat(missing).isEmpty();
    assertThat(layout.releaseIds()).containsExactly("r1");
    assertThat(new ReleaseVerifier(layout, store).verify("r1", v1).problems()).isEmpty();
  }
}
