package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.core.hash.Digest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestDiffTest {
  private static final int PIECE = 64 * 1024;
  private static final Digest A = Digest.of("a".getBytes(UTF_8));
  private static final Digest B = Digest.of("b".getBytes(UTF_8));
  private static final Digest C = Digest.of("c".getBytes(UTF_8));

  private static Manifest manifest(ManifestEntry... entries) throws UnsafePathException {
    return Manifest.of(PIECE, List.of(entries));
  }

  private static ManifestEntry dir(String p) {
    return ManifestEntry.directory(p, 0755);
  }

  private static ManifestEntry file(String p, int mode, long size, Digest d) {
    return ManifestEntry.file(p, mode, size, d, List.of());
  }

  @Test
  void identicalManifestsHaveAnEmptyDiff() throws Exception {
    Manifest m = manifest(dir("t"), file("t/a", 0644, 1, A));
    ManifestDiff d = ManifestDiff.between(m, m);
    assertThat(d.isEmpty()).isTrue();
    assertThat(d.summary()).isEqualTo(new ManifestDiff.Summary(0, 0, 0, 0, 0, 0));
  }

  @Test
  void classifiesEveryPathOnce() throws Exception {
    Manifest before = manifest(
        dir("t"),
        file("t/kept", 0644, 1, A),
        file("t/edited", 0644, 1, A),
        file("t/chmod", 0644, 1, A),
        file("t/gone", 0644, 1, B),
        file("t/becomes-link", 0644, 1, A),
        ManifestEntry.symlink("t/link", "kept"));
    Manifest after = manifest(
        dir("t"),
        file("t/kept", 0644, 1, A),
        file("t/edited", 0600, 1, C),
        file("t/chmod", 0755, 1, A),
        ManifestEntry.symlink("t/becomes-link", "kept"),
        ManifestEntry.symlink("t/link", "edited"),
        file("t/new", 0644, 100, C),
        file("t/copy-of-a", 0644, 1, A));

    ManifestDiff d = ManifestDiff.between(before, after);

    assertThat(d.added()).extracting(ManifestEntry::path).containsExactly("t/copy-of-a", "t/new");
    assertThat(d.removed()).extracting(ManifestEntry::path).containsExactly("t/gone");
    assertThat(d.changed()).extracting(ManifestDiff.Change::path)
        .containsExactly("t/becomes-link", "t/edited", "t/link");
    assertThat(d.changed().get(0).typeChanged()).isTrue();
    assertThat(d.changed().get(1).typeChanged()).isFalse();
    assertThat(d.modeChanged()).extracting(ManifestDiff.Change::path).containsExactly("t/chmod");
    assertThat(d.modeChanged().get(0).before().mode()).isEqualTo(0644);
    assertThat(d.modeChanged().get(0).after().mode()).isEqualTo(0755);
  }

  @Test
  void bytesToTransferCountEachNewObjectOnce() throws Exception {
    Manifest before = manifest(dir("t"), file("t/a", 0644, 1, A));
    Manifest after = manifest(
        dir("t"),
        file("t/a", 0644, 10, C),     // changed to new content C
        file("t/a2", 0644, 10, C),    // same new content again: one object
        file("t/old-content", 0644, 1, A), // a copy of what we have: free
        file("t/b", 0644, 7, B));

    ManifestDiff.Summary s = ManifestDiff.between(before, after).summary();

    assertThat(s.added()).isEqualTo(3);
    assertThat(s.changed()).isEqualTo(1);
    assertThat(s.objectsToTransfer()).isEqualTo(2);
    assertThat(s.bytesToTransfer()).isEqualTo(17);
  }

  @Test
  void fromEmptyEverythingIsAdded() throws Exception {
    Manifest after = manifest(dir("t"), file("t/a", 0644, 5, A), file("t/b", 0644, 5, A));
    ManifestDiff d = ManifestDiff.between(Manifest.empty(), after);
    assertThat(d.added()).hasSize(3);
    assertThat(d.newObjects()).containsExactly(java.util.Map.entry(A, 5L));
    assertThat(ManifestDiff.between(after, Manifest.empty()).removed()).hasSize(3);
  }
}
