package io.wpsync.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveReuseTest {
  private static final Path DIR = Path.of("/srv/releases/r1");

  private static Digest digest(int i) {
    return Digest.of(("content " + i).getBytes(StandardCharsets.UTF_8));
  }

  private static ManifestEntry file(int i, int mode) {
    return ManifestEntry.file(String.format("plugins/p/f%04d.php", i), mode, 10, digest(i), List.of());
  }

  private static Manifest have(int files) throws Exception {
    List<ManifestEntry> entries = new ArrayList<>();
    entries.add(ManifestEntry.directory("plugins", 0755));
    entries.add(ManifestEntry.directory("plugins/p", 0755));
    for (int i = 0; i < files; i++) {
      entries.add(file(i, 0644));
    }
    return Manifest.of(Manifest.DEFAULT_PIECE_SIZE, entries);
  }

  @Test
  void findsTheSamePathOrAnyFileWithTheContentAndMode() throws Exception {
    var reuse = new LiveReuse(DIR, have(10));
    assertThat(reuse.fileFor(file(3, 0644))).isEqualTo(DIR.resolve("plugins/p/f0003.php"));
    ManifestEntry moved = ManifestEntry.file("themes/t/copy.php", 0644, 10, digest(7), List.of());
    assertThat(reuse.fileFor(moved)).isEqualTo(DIR.resolve("plugins/p/f0007.php"));
    assertThat(reuse.fileFor(file(3, 0600))).as("another mode is another file").isNull();
    ManifestEntry changed = ManifestEntry.file("plugins/p/f0003.php", 0644, 10, digest(99), List.of());
    assertThat(reuse.fileFor(changed)).isNull();
  }

  @Test
  void answersTheSameOnceItIndexesThePaths() throws Exception {
    int files = LiveReuse.SEARCHES * 3;
    var reuse = new LiveReuse(DIR, have(files));
    for (int i = 0; i < files; i++) { // searched first, then from the index
      assertThat(reuse.fileFor(file(i, 0644))).as("file %d", i).isEqualTo(DIR.resolve(String.format("plugins/p/f%04d.php", i)));
    }
    ManifestEntry changed = ManifestEntry.file("plugins/p/f0001.php", 0644, 10, digest(files + 1), List.of());
    assertThat(reuse.fileFor(changed)).isNull();
  }
}
