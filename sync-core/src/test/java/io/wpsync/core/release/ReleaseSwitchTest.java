package io.wpsync.core.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.store.FileContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseSwitchTest {
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
    m.materialize("A", new TreeBuilder(store).file("x", 0644, "A").build());
    m.materialize("B", new TreeBuilder(store).file("x", 0644, "B").build());
  }

  @AfterEach
  void tearDown() throws IOException {
    store.close();
  }

  @Test
  void switchesWithARelativeLink() throws IOException {
    assertThat(sw.current()).isEmpty();
    sw.switchTo("A");
    assertThat(sw.current()).contains("A");
    assertThat(Files.readSymbolicLink(layout.currentLink())).isEqualTo(Path.of("releases/A"));
    assertThat(layout.currentLink().resolve("x")).hasContent("A");

    clock.advance(Duration.ofSeconds(5));
    sw.switchTo("B");
    assertThat(sw.current()).contains("B");
    assertThat(sw.currentDir()).contains(layout.releaseDir("B"));
    assertThat(layout.currentLink().resolve("x")).hasContent("B");
    assertThat(layout.leftAt("A")).contains(clock.instant());
    assertThat(layout.leftAt("B")).isEmpty();
    try (Stream<Path> s = Files.list(layout.root())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("current", "releases");
    }
  }

  @Test
  void theLinkResolvesWhereverTheRootIsMounted() throws IOException {
    sw.switchTo("B");
    Path moved = dir.resolve("elsewhere/mnt");
    Files.createDirectories(moved.getParent());
    Files.move(layout.root(), moved);
    assertThat(moved.resolve("current/x")).hasContent("B");
    assertThat(new ReleaseSwitch(new ReleaseLayout(moved), clock).current()).contains("B");
  }

  @Test
  void switchingToTheCurrentReleaseIsANoOp() throws IOException {
    sw.switchTo("A");
    clock.advance(Duration.ofSeconds(1));
    sw.switchTo("A");
    assertThat(layout.leftAt("A")).isEmpty();
    assertThat(sw.current()).contains("A");
  }

  @Test
  void refusesMissingIncompleteAndInvalidReleases() throws IOException {
    sw.switchTo("A");
    assertThatThrownBy(() -> sw.switchTo("C"))
        .isInstanceOf(NoSuchReleaseException.class).hasMessageContaining("release 'C': does not exist");
    Files.createDirectory(layout.releasesDir().resolve("half"));
    assertThatThrownBy(() -> sw.switchTo("half"))
        .isInstanceOf(NoSuchReleaseException.class).hasMessageContaining("is not complete");
    assertThatThrownBy(() -> sw.switchTo("../A")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sw.switchTo(".meta")).isInstanceOf(IllegalArgumentException.class);
    assertThat(sw.current()).contains("A");
  }

  @Test
  void aCurrentThatIsNotOurLinkIsReportedNotReplaced() throws IOException {
    Files.createDirectories(layout.currentLink());
    assertThatThrownBy(sw::current).hasMessageContaining("is not a symlink");
    assertThatThrownBy(() -> sw.switchTo("A")).isInstanceOf(IOException.class);
    assertThat(layout.currentLink()).isDirectory();
    Files.delete(layout.currentLink());
    Files.createSymbolicLink(layout.currentLink(), Path.of("/var/www/wp-content"));
    assertThatThrownBy(sw::current).hasMessageContaining("not to releases/<id>");
  }
}
