package io.wpsync.core.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseRetentionTest {
  @TempDir Path dir;
  FileContentStore store;
  ReleaseLayout layout;
  MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  ReleaseSwitch sw;

  @BeforeEach
  void setUp() throws IOException {
    store = FileContentStore.open(dir.resolve("store"));
    layout = new ReleaseLayout(dir.resolve("root"));
    sw = new ReleaseSwitch(layout, clock);
    ReleaseMaterializer m = new ReleaseMaterializer(layout, store, ReleaseOptions.defaults(), clock);
    for (int i = 1; i <= 5; i++) {
      // READ_ONLY: 0555 directories, which deletion has to open up first
      m.materialize("r" + i, new TreeBuilder(store).dir("d", 0755).dir("d/e", 0755)
          .file("d/e/x", 0644, "release " + i).build());
      clock.advance(Duration.ofMinutes(1));
    }
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  ReleaseRetention retention(int keepLast, Duration grace) {
    return new ReleaseRetention(sw, keepLast, grace, clock);
  }

  @Test
  void keepsTheLastKAndTheCurrentOne() throws IOException {
    sw.switchTo("r1");
    ReleaseRetention.Result r = retention(2, Duration.ZERO).cleanup(Set.of());

    assertThat(r.removed()).containsExactly("r3", "r2");
    assertThat(r.kept()).containsExactly("r5", "r4", "r1");
    assertThat(layout.releaseIds()).containsExactlyInAnyOrder("r1", "r4", "r5");
    assertThat(layout.record("r2")).isEmpty();
    try (Stream<Path> s = Files.list(layout.releasesDir())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("r1", "r4", "r5", ".meta");
    }
    assertThat(layout.currentLink().resolve("d/e/x")).hasContent("release 1");
  }

  @Test
  void neverDeletesCurrentOrPinnedEvenWithKeepZero() throws IOException {
    sw.switchTo("r2");
    ReleaseRetention.Result r = retention(0, Duration.ZERO).cleanup(Set.of("r4", "unknown"));
    assertThat(r.kept()).containsExactly("r4", "r2");
    assertThat(layout.releaseIds()).containsExactlyInAnyOrder("r2", "r4");
    assertThat(sw.current()).contains("r2");
  }

  @Test
  void keepsTheReleaseLeftWithinTheGracePeriod() throws IOException {
    sw.switchTo("r1");
    clock.advance(Duration.ofMinutes(1));
    sw.switchTo("r2"); // r1 left now
    ReleaseRetention retention = retention(0, Duration.ofMinutes(10));

    clock.advance(Duration.ofMinutes(9));
    assertThat(retention.cleanup(Set.of()).kept()).containsExactlyInAnyOrder("r1", "r2");

    clock.advance(Duration.ofMinutes(1));
    ReleaseRetention.Result r = retention.cleanup(Set.of());
    assertThat(r.kept()).containsExactly("r2");
    assertThat(r.removed()).contains("r1");
    assertThat(layout.releaseIds()).containsExactly("r2");
    assertThat(layout.leftAt("r1")).isEmpty();
  }

  @Test
  void noCurrentAndNothingKeptRemovesEverything() throws IOException {
    assertThat(retention(0, Duration.ofHours(1)).cleanup(Set.of()).removed()).hasSize(5);
    assertThat(layout.releaseIds()).isEmpty();
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(() -> retention(-1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepLast must be >= 0");
    assertThatThrownBy(() -> retention(1, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void removeLeftoversCleansInterruptedWorkOnly() throws IOException {
    sw.switchTo("r1");
    Path staging = layout.releasesDir().resolve(".staging-r9-abc");
    Files.createDirectories(staging.resolve("a/b"));
    Files.writeString(staging.resolve("a/b/f"), "half");
    Files.setPosixFilePermissions(staging.resolve("a/b"), Modes.permissions(0555));
    Files.setPosixFilePermissions(staging.resolve("a"), Modes.permissions(0555));
    Files.createDirectories(layout.releasesDir().resolve(".deleting-r0-abc/x"));
    Files.createSymbolicLink(layout.root().resolve(".current-123"), Path.of("releases/r2"));
    Files.writeString(layout.recordFile("gone"), "manifest=x\n");
    Files.writeString(layout.metaDir().resolve(".r3.left-1.tmp"), "");

    assertThat(layout.removeLeftovers()).isEqualTo(5);
    try (Stream<Path> s = Files.list(layout.releasesDir())) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("r1", "r2", "r3", "r4", "r5", ".meta");
    }
    try (Stream<Path> s = Files.list(layout.root())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("current", "releases");
    }
    for (int i = 1; i <= 5; i++) {
      assertThat(layout.isComplete("r" + i)).isTrue();
    }
    assertThat(layout.removeLeftovers()).isZero();
  }
}
