package io.wpsync.core.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ReleaseMaterializer.Reuse}: LIVE releases link files of an existing tree instead of copying objects. */
class ReleaseMaterializerReuseTest {
  @TempDir Path dir;
  FileContentStore store;
  ReleaseLayout layout;
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @BeforeEach
  void setUp() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
    layout = new ReleaseLayout(dir.resolve("root"));
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  private Manifest tree(String version) {
    return new TreeBuilder(store)
        .dir("plugins", 0755)
        .dir("plugins/a", 0755)
        .file("plugins/a/a.php", 0644, "<?php // a, unchanged")
        .file("plugins/a/version.php", 0644, "<?php // " + version)
        .build();
  }

  private static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  @Test
  void liveReleaseLinksReusableFilesAndCopiesTheRest() throws Exception {
    ReleaseMaterializer live = new ReleaseMaterializer(layout, store,
        ReleaseOptions.defaults().withMode(ReleaseMode.LIVE), clock);
    Manifest v1 = tree("1");
    live.materialize("r1", v1);
    Path r1 = layout.releaseDir("r1");
    Manifest v2 = tree("2");

    live.materialize("r2", v2, e -> v1.entry(e.path()).filter(old -> old.sameContent(e))
        .map(old -> r1.resolve(old.path())).orElse(null));

    Path r2 = layout.releaseDir("r2");
    assertThat(inode(r2.resolve("plugins/a/a.php"))).as("unchanged file is shared").isEqualTo(inode(r1.resolve("plugins/a/a.php")));
    assertThat(inode(r2.resolve("plugins/a/version.php"))).isNotEqualTo(inode(r1.resolve("plugins/a/version.php")));
    assertThat(Files.readString(r2.resolve("plugins/a/version.php"))).isEqualTo("<?php // 2");
    for (ManifestEntry e : v2.entries()) {
      if (e.isFile()) {
        assertThat(inode(r2.resolve(e.path()))).as("never a store object").isNotEqualTo(inode(store.objectPath(e.digest())));
      }
    }
    assertThat(new ReleaseVerifier(layout, store).verify("r2", v2).problems()).isEmpty();
  }

  @Test
  void aVanishedReuseCandidateIsCopiedFromTheStore() throws Exception {
    ReleaseMaterializer live = new ReleaseMaterializer(layout, store,
        ReleaseOptions.defaults().withMode(ReleaseMode.LIVE), clock);
    Manifest v1 = tree("1");

    live.materialize("r1", v1, e -> dir.resolve("gone/" + e.path()));

    assertThat(new ReleaseVerifier(layout, store).verify("r1", v1).problems()).isEmpty();
  }

  @Test
  void readOnlyReleasesIgnoreReuseAndLinkStoreObjects() throws Exception {
    ReleaseMaterializer ro = new ReleaseMaterializer(layout, store, ReleaseOptions.defaults(), clock);
    Manifest v1 = tree("1");
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("a.php"), "<?php // a, unchanged");

    ro.materialize("r1", v1, e -> elsewhere.resolve("a.php"));

    ManifestEntry a = v1.entry("plugins/a/a.php").orElseThrow();
    assertThat(inode(layout.releaseDir("r1").resolve(a.path()))).isEqualTo(inode(store.objectPath(a.digest())));
  }
}
