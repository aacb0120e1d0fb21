package io.wpsync.core.release;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.store.FileContentStore;
import io.wpsync.core.store.NoSuchObjectException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseMaterializerTest {
  @TempDir Path dir;
  FileContentStore store;
  ReleaseLayout layout;
  MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  @BeforeEach
  void setUp() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
    layout = new ReleaseLayout(dir.resolve("root"));
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  ReleaseMaterializer materializer(ReleaseOptions options) {
    return new ReleaseMaterializer(layout, store, options, clock);
  }

  Manifest sampleTree() {
    return new TreeBuilder(store)
        .dir("plugins", 0755)
        .dir("plugins/akismet", 0755)
        .file("plugins/akismet/akismet.php", 0644, "<?php /* akismet */")
        .file("plugins/akismet/index.php", 0644, "<?php // Silence is golden.")
        .file("plugins/index.php", 0644, "<?php // Silence is golden.")
        .dir("private", 0700)
        .file("private/secret.txt", 0600, "only the owner")
        .dir("bin", 0755)
        .file("bin/tool.sh", 0755, "#!/bin/sh\necho hi\n")
        .file("empty.txt", 0644, "")
        .symlink("themes", "plugins/akismet")
        .symlink("plugins/akismet/up", "../index.php")
        .build();
  }

  static int mode(Path p) throws IOException {
    return Modes.mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  static int links(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
  }

  static Object inode(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
  }

  @Test
  void readOnlyReleaseHardLinksObjectsAndDropsWriteBits() throws IOException {
    Manifest m = sampleTree();
    ReleaseRecord record = materializer(ReleaseOptions.defaults()).materialize("r1", m);
    Path r = layout.releaseDir("r1");

    assertThat(record.manifestId()).isEqualTo(m.id());
    assertThat(record.mode()).isEqualTo(ReleaseMode.READ_ONLY);
    assertThat(record.createdAt()).isEqualTo(clock.instant());
    assertThat(layout.isComplete("r1")).isTrue();
    assertThat(layout.releaseIds()).containsExactly("r1");

    Path akismet = r.resolve("plugins/akismet/akismet.php");
    Digest akismetDigest = m.entry("plugins/akismet/akismet.php").orElseThrow().digest();
    assertThat(inode(akismet)).isEqualTo(inode(store.objectPath(akismetDigest)));
    assertThat(links(akismet)).isEqualTo(2);
    assertThat(mode(akismet)).isEqualTo(0444);
    // two identical files share the one object inode
    assertThat(inode(r.resolve("plugins/index.php"))).isEqualTo(inode(r.resolve("plugins/akismet/index.php")));
    assertThat(links(r.resolve("plugins/index.php"))).isEqualTo(3);
    assertThat(links(r.resolve("empty.txt"))).isEqualTo(2);

    // modes a shared 0444 inode cannot give are copies
    assertThat(mode(r.resolve("bin/tool.sh"))).isEqualTo(0555);
    assertThat(links(r.resolve("bin/tool.sh"))).isEqualTo(1);
    assertThat(mode(r.resolve("private/secret.txt"))).isEqualTo(0400);
    assertThat(links(r.resolve("private/secret.txt"))).isEqualTo(1);
    assertThat(Files.readString(r.resolve("bin/tool.sh"))).isEqualTo("#!/bin/sh\necho hi\n");

    assertThat(mode(r)).isEqualTo(0555);
    assertThat(mode(r.resolve("plugins"))).isEqualTo(0555);
    assertThat(mode(r.resolve("private"))).isEqualTo(0500);
    assertThat(Files.readSymbolicLink(r.resolve("themes"))).isEqualTo(Path.of("plugins/akismet"));
    assertThat(Files.readSymbolicLink(r.resolve("plugins/akismet/up"))).isEqualTo(Path.of("../index.php"));
    assertThat(Files.readString(r.resolve("themes/up"))).isEqualTo("<?php // Silence is golden.");

    assertThat(new ReleaseVerifier(layout, store).verify("r1", m).problems()).isEmpty();
    assertThat(new ReleaseVerifier(layout, store).verify("r1", m, true).problems()).isEmpty();
    assertThat(Files.list(layout.releasesDir()).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("r1", ".meta");
  }

  @Test
  void liveReleaseIsIndependentCopiesThatCannotReachTheStore() throws IOException {
    Manifest m = sampleTree();
    materializer(ReleaseOptions.defaults().withMode(ReleaseMode.LIVE)).materialize("live", m);
    Path r = layout.releaseDir("live");

    assertThat(mode(r)).isEqualTo(0755);
    assertThat(mode(r.resolve("private"))).isEqualTo(0700);
    assertThat(mode(r.resolve("plugins/akismet/akismet.php"))).isEqualTo(0644);
    assertThat(mode(r.resolve("bin/tool.sh"))).isEqualTo(0755);
    assertThat(mode(r.resolve("private/secret.txt"))).isEqualTo(0600);
    Digest digest = m.entry("plugins/akismet/akismet.php").orElseThrow().digest();
    Path file = r.resolve("plugins/akismet/akismet.php");
    assertThat(inode(file)).isNotEqualTo(inode(store.objectPath(digest)));
    assertThat(links(file)).isEqualTo(1);
    assertThat(new ReleaseVerifier(layout, store).verify("live", m).problems()).isEmpty();

    // WordPress writes into the live release: in place, and by truncate-and-rewrite
    Files.writeString(file, " // patched", StandardOpenOption.APPEND);
    Files.writeString(r.resolve("plugins/index.php"), "overwritten", StandardOpenOption.TRUNCATE_EXISTING);

    assertThat(Digest.of(Files.readAllBytes(store.objectPath(digest)))).isEqualTo(digest);
    assertThat(store.read(digest)).isEqualTo("<?php /* akismet */".getBytes(UTF_8));
    Digest golden = Digest.of("<?php // Silence is golden.".getBytes(UTF_8));
    assertThat(store.read(golden)).isEqualTo("<?php // Silence is golden.".getBytes(UTF_8));
    assertThat(Files.readString(r.resolve("plugins/akismet/index.php"))).isEqualTo("<?php // Silence is golden.");
    assertThat(new ReleaseVerifier(layout, store).verify("live", m).problems())
        .anySatisfy(p -> assertThat(p).startsWith("plugins/akismet/akismet.php: 30 bytes, expected 19"))
        .anySatisfy(p -> assertThat(p).startsWith("plugins/index.php: 11 bytes"));
  }

  @Test
  void linkedPathsPointOutOfEveryRelease() throws IOException {
    Path uploads = Files.createDirectories(dir.resolve("shared/uploads"));
    Path cache = Files.createDirectories(dir.resolve("shared/cache"));
    Manifest m = sampleTree();
    ReleaseOptions options = ReleaseOptions.defaults()
        .withLinkedPaths(Map.of("uploads", uploads, "plugins/cache", cache));
    materializer(options).materialize("r1", m);
    Path r = layout.releaseDir("r1");

    assertThat(Files.readSymbolicLink(r.resolve("uploads"))).isEqualTo(uploads);
    assertThat(Files.readSymbolicLink(r.resolve("plugins/cache"))).isEqualTo(cache);
    Files.writeString(r.resolve("uploads/2026-photo.jpg"), "jpeg");
    assertThat(uploads.resolve("2026-photo.jpg")).hasContent("jpeg");
    assertThat(layout.record("r1").orElseThrow().linkedPaths()).isEqualTo(Map.of("uploads", uploads, "plugins/cache", cache));
    assertThat(new ReleaseVerifier(layout, store).verify("r1", m).problems()).isEmpty();
  }

  @Test
  void linkedPathCollidingWithTheManifestIsRefusedAndNothingIsWritten() throws IOException {
    Manifest m = new TreeBuilder(store)
        .dir("uploads", 0755).file("uploads/a.jpg", 0644, "jpeg")
        .file("cache", 0644, "x")
        .build();
    Path shared = dir.resolve("shared");
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults().withLinkedPaths(Map.of("uploads", shared)))
        .materialize("r1", m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("linked path 'uploads' collides with the manifest entry 'uploads'");
    Manifest m2 = new TreeBuilder(store).dir("uploads", 0755).file("uploads/a.jpg", 0644, "jpeg").build();
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults().withLinkedPaths(Map.of("uploads", shared)))
        .materialize("r1", m2))
        .hasMessageContaining("collides with the manifest entry 'uploads'");
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults().withLinkedPaths(Map.of("cache", shared)))
        .materialize("r1", m))
        .hasMessageContaining("'cache' collides with the manifest entry 'cache' (a file)");
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults().withLinkedPaths(Map.of("nowhere/cache", shared)))
        .materialize("r1", m))
        .hasMessageContaining("needs 'nowhere' to be a directory of the manifest");
    assertThat(layout.releasesDir()).doesNotExist();

    // a name that merely starts like a linked name is no collision
    Manifest m3 = new TreeBuilder(store).dir("uploads2", 0755).file("uploads2/x", 0644, "x").build();
    materializer(ReleaseOptions.defaults().withLinkedPaths(Map.of("uploads", shared))).materialize("r1", m3);
    assertThat(layout.isComplete("r1")).isTrue();
  }

  @Test
  void badOptionsAndIdsAreRefused() {
    assertThatThrownBy(() -> ReleaseOptions.defaults().withLinkedPaths(Map.of("../etc", Path.of("/etc"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linked path name '../etc'");
    assertThatThrownBy(() -> ReleaseOptions.defaults().withLinkedPaths(Map.of("uploads", Path.of("relative"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute");
    for (String bad : new String[] {"", ".staging-x", "-x", "a/b", "a b", "x".repeat(129), "..", "ü"}) {
      assertThatThrownBy(() -> materializer(ReleaseOptions.defaults()).materialize(bad, Manifest.empty()))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must match");
    }
  }

  @Test
  void missingObjectLeavesNoReleaseNoStagingNoRecord() throws IOException {
    Manifest m = new TreeBuilder(store).dir("a", 0755).file("a/x", 0644, "x").build();
    store.gc(java.util.Set.of());
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults()).materialize("r1", m))
        .isInstanceOf(NoSuchObjectException.class);
    assertThat(layout.releaseIds()).isEmpty();
    try (Stream<Path> s = Files.list(layout.releasesDir())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly(".meta");
    }
    try (Stream<Path> s = Files.list(layout.releasesDir().resolve(".meta"))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void rematerializingIsIdempotentButNeverReplacesOtherContent() throws IOException {
    Manifest m = sampleTree();
    ReleaseMaterializer mat = materializer(ReleaseOptions.defaults());
    ReleaseRecord first = mat.materialize("r1", m);
    clock.advance(java.time.Duration.ofMinutes(1));
    assertThat(mat.materialize("r1", m)).isEqualTo(first);

    Manifest other = new TreeBuilder(store).file("other", 0644, "o").build();
    assertThatThrownBy(() -> mat.materialize("r1", other))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("already exists with manifest " + m.id());
    assertThatThrownBy(() -> materializer(ReleaseOptions.defaults().withMode(ReleaseMode.LIVE)).materialize("r1", m))
        .isInstanceOf(FileAlreadyExistsException.class);
    Files.createDirectories(layout.releasesDir().resolve("handmade"));
    assertThatThrownBy(() -> mat.materialize("handmade", m))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("not a complete wpsync release");
  }

  @Test
  void aReleaseIsNeverVisibleHalfBuilt() throws Exception {
    TreeBuilder t = new TreeBuilder(store);
    int files = 0;
    for (int d = 0; d < 30; d++) {
      t.dir("d" + d, 0755);
      for (int f = 0; f < 100; f++) {
        // few distinct contents: storing objects (fsync each) is not what this test measures
        t.file("d" + d + "/f" + f + ".php", f % 10 == 0 ? 0755 : 0644, "content " + (f % 7));
        files++;
      }
    }
    Manifest m = t.build();
    int expectedEntries = m.size();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger sightings = new AtomicInteger();
    AtomicReference<String> problem = new AtomicReference<>();
    Thread watcher = new Thread(() -> {
      try {
        while (!done.get()) {
          for (String id : layout.releaseIds()) {
            if (!id.equals("big")) {
              problem.set("saw release id " + id);
            }
            int n;
            try (Stream<Path> s = Files.walk(layout.releaseDir(id))) {
              n = (int) s.count() - 1;
            }
            if (n != expectedEntries) {
              problem.set("saw " + n + " of " + expectedEntries + " entries");
            }
            sightings.incrementAndGet();
          }
        }
      } catch (IOException e) {
        problem.set(e.toString());
      }
    });
    watcher.start();
    try {
      materializer(ReleaseOptions.defaults()).materialize("big", m);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (sightings.get() == 0 && problem.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } finally {
      done.set(true);
      watcher.join(10_000);
    }
    assertThat(problem.get()).isNull();
    assertThat(sightings.get()).isPositive();
    assertThat(files).isEqualTo(3000);
    assertThat(new ReleaseVerifier(layout, store).verify("big", m).problems()).isEmpty();
  }

  @Test
  void storeOnAnotherFilesystemFallsBackToCopies() throws IOException {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "needs /dev/shm");
    Path other = Files.createTempDirectory(shm, "wpsync-store-");
    assumeTrue(!Files.getFileStore(other).equals(Files.getFileStore(dir)), "/dev/shm is on the same filesystem");
    try (FileContentStore shmStore = FileContentStore.open(other)) {
      Manifest m = new TreeBuilder(shmStore).dir("a", 0755).file("a/x.php", 0644, "x").file("a/y.php", 0644, "y").build();
      ReleaseMaterializer mat = new ReleaseMaterializer(layout, shmStore, ReleaseOptions.defaults(), clock);
      mat.materialize("r1", m);
      Path x = layout.releaseDir("r1").resolve("a/x.php");
      assertThat(x).hasContent("x");
      assertThat(mode(x)).isEqualTo(0444);
      assertThat(links(x)).isEqualTo(1);
      assertThat(new ReleaseVerifier(layout, shmStore).verify("r1", m).problems()).isEmpty();
    } finally {
      Trees.deleteTree(other);
    }
  }

  @Test
  void verifierReportsEveryKindOfDifference() throws IOException {
    Manifest m = sampleTree();
    materializer(ReleaseOptions.defaults().withMode(ReleaseMode.LIVE)).materialize("r1", m);
    Path r = layout.releaseDir("r1");
    Files.writeString(r.resolve("stray.php"), "<?php evil();");
    Files.delete(r.resolve("empty.txt"));
    Files.setPosixFilePermissions(r.resolve("bin/tool.sh"), Modes.permissions(0644));
    Files.delete(r.resolve("themes"));
    Files.createSymbolicLink(r.resolve("themes"), Path.of("elsewhere"));
    Files.writeString(r.resolve("plugins/akismet/akismet.php"), "<?php /* AKISMET */"); // same size

    List<String> problems = new ArrayList<>(new ReleaseVerifier(layout, store).verify("r1", m).problems());
    assertThat(problems).containsExactlyInAnyOrder(
        "empty.txt: missing",
        "bin/tool.sh: mode 0644, expected 0755",
        "themes: symlink points to 'elsewhere', expected 'plugins/akismet'",
        "verify plugins/akismet/akismet.php " + m.entry("plugins/akismet/akismet.php").orElseThrow().digest()
            + ": got " + Digest.of("<?php /* AKISMET */".getBytes(UTF_8)),
        "stray.php: not in the manifest");
    assertThat(new ReleaseVerifier(layout, store).verify("r1", Manifest.empty()).problems())
        .anySatisfy(p -> assertThat(p).startsWith("record says manifest " + m.id()));
    assertThat(new ReleaseVerifier(layout, store).verify("nope", m).ok()).isFalse();
  }
}
