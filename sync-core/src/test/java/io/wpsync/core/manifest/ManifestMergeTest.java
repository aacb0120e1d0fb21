package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.ManifestMerge.Prefer;
import io.wpsync.core.manifest.ManifestMerge.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestMergeTest {
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

  private static ManifestEntry file(String p, Digest d) {
    return ManifestEntry.file(p, 0644, 1, d, List.of());
  }

  private static final Manifest BASE;

  static {
    try {
      BASE = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", A),
          dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A));
    } catch (UnsafePathException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Test
  void nothingCommittedSinceTheBaseGivesOursWithWhatItChanged() throws Exception {
    Manifest ours = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", B),
        dir("plugins/new"), file("plugins/new/new.php", C), ManifestEntry.file("index.php", 0600, 1, A, List.of()));

    Result r = ManifestMerge.rebase(BASE, ours, BASE, Prefer.NONE);

    assertThat(r.clean()).isTrue();
    assertThat(r.merged()).isSameAs(ours);
    assertThat(r.overlapping()).isEmpty();
    assertThat(r.applied()).containsExactly("index.php", "plugins/bar", "plugins/bar/bar.php", "plugins/foo/foo.php",
        "plugins/new", "plugins/new/new.php");
    assertThat(ManifestMerge.rebase(BASE, BASE, BASE, Prefer.NONE).applied()).isEmpty();
  }

  @Test
  void disjointChangesRebaseCleanly() throws Exception {
    Manifest ours = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", B),
        dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A));
    Manifest theirs = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", A),
        dir("plugins/bar"), file("plugins/bar/bar.php", C), file("index.php", A),
        dir("plugins/baz"), file("plugins/baz/baz.php", C));

    Result r = ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE);

    assertThat(r.clean()).isTrue();
    assertThat(r.applied()).containsExactly("plugins/foo/foo.php");
    assertThat(r.merged().entry("plugins/foo/foo.php").orElseThrow().digest()).isEqualTo(B);
    assertThat(r.merged().entry("plugins/bar/bar.php").orElseThrow().digest()).isEqualTo(C);
    assertThat(r.merged().entry("plugins/baz/baz.php")).isPresent();
  }

  @Test
  void sameFileChangedDifferentlyIsAConflictAndTheirsIsKeptMeanwhile() throws Exception {
    Manifest ours = replace(BASE, file("plugins/foo/foo.php", B));
    Manifest theirs = replace(BASE, file("plugins/foo/foo.php", C));

    Result r = ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE);

    assertThat(r.clean()).isFalse();
    assertThat(r.conflicts()).containsExactly("plugins/foo/foo.php");
    assertThat(r.merged().entry("plugins/foo/foo.php").orElseThrow().digest()).isEqualTo(C);
  }

  @Test
  void aConflictIsSettledByChoosingASide() throws Exception {
    Manifest ours = replace(BASE, file("plugins/foo/foo.php", B));
    Manifest theirs = replace(BASE, file("plugins/foo/foo.php", C));

    Result mine = ManifestMerge.rebase(BASE, ours, theirs, Prefer.OURS);
    Result other = ManifestMerge.rebase(BASE, ours, theirs, Prefer.THEIRS);

    assertThat(mine.clean()).isTrue();
    assertThat(mine.merged().entry("plugins/foo/foo.php").orElseThrow().digest()).isEqualTo(B);
    assertThat(other.clean()).isTrue();
    assertThat(other.merged()).isEqualTo(theirs);
  }

  @Test
  void identicalChangesOnBothSidesAreOneChangeNotAConflict() throws Exception {
    Manifest updated = replace(BASE, file("plugins/foo/foo.php", B));

    Result r = ManifestMerge.rebase(BASE, updated, updated, Prefer.NONE);

    assertThat(r.clean()).isTrue();
    assertThat(r.overlapping()).containsExactly("plugins/foo/foo.php");
    assertThat(r.applied()).isEmpty();
    assertThat(r.merged()).isEqualTo(updated);
  }

  @Test
  void aModeChangeCountsAsAChange() throws Exception {
    Manifest ours = replace(BASE, ManifestEntry.file("plugins/foo/foo.php", 0600, 1, A, List.of()));
    Manifest theirs = replace(BASE, file("plugins/foo/foo.php", C));

    assertThat(ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE).conflicts()).containsExactly("plugins/foo/foo.php");
    assertThat(ManifestMerge.rebase(BASE, ours, BASE, Prefer.NONE).applied()).containsExactly("plugins/foo/foo.php");
  }

  @Test
  void deletingAPluginWhileTheOtherSideEditsItConflictsOnTheEditedFile() throws Exception {
    Manifest ours = manifest(dir("plugins"), dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A));
    Manifest theirs = replace(BASE, file("plugins/foo/foo.php", C));

    Result r = ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE);
    assertThat(r.conflicts()).containsExactly("plugins/foo/foo.php");

    Result keepEdit = ManifestMerge.rebase(BASE, ours, theirs, Prefer.THEIRS);
    assertThat(keepEdit.clean()).isTrue();
    assertThat(keepEdit.merged().entry("plugins/foo")).as("the directory stays for the kept file").isPresent();
    assertThat(keepEdit.merged().entry("plugins/foo/foo.php").orElseThrow().digest()).isEqualTo(C);

    Result delete = ManifestMerge.rebase(BASE, ours, theirs, Prefer.OURS);
    assertThat(delete.merged().entry("plugins/foo")).isEmpty();
    assertThat(delete.merged().entry("plugins/foo/foo.php")).isEmpty();
  }

  @Test
  void aNewFileUnderANewDirectoryGetsItsParents() throws Exception {
    Manifest ours = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", A),
        dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A),
        dir("plugins/new"), dir("plugins/new/inc"), file("plugins/new/inc/x.php", B));
    Manifest theirs = manifest(file("index.php", A)); // everything else removed since

    Result r = ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE);

    assertThat(r.clean()).isTrue();
    assertThat(r.merged().entries()).extracting(ManifestEntry::path)
        .containsExactly("index.php", "plugins", "plugins/new", "plugins/new/inc", "plugins/new/inc/x.php");
  }

  @Test
  void anInvalidMergedTreeIsReportedAsAConflict() throws Exception {
    // ours turns the directory plugins/foo into a file; theirs adds a file inside it
    Manifest ours = manifest(dir("plugins"), file("plugins/foo", B),
        dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A));
    Manifest theirs = manifest(dir("plugins"), dir("plugins/foo"), file("plugins/foo/foo.php", A),
        file("plugins/foo/more.php", C), dir("plugins/bar"), file("plugins/bar/bar.php", A), file("index.php", A));

    Result r = ManifestMerge.rebase(BASE, ours, theirs, Prefer.NONE);

    assertThat(r.clean()).isFalse();
    assertThat(r.merged()).isNull();
    assertThat(r.conflicts()).containsExactly("plugins/foo/more.php");
  }

  @Test
  void nothingChangedOnOurSideGivesTheirs() throws Exception {
    Manifest theirs = replace(BASE, file("index.php", C));
    Result r = ManifestMerge.rebase(BASE, BASE, theirs, Prefer.NONE);
    assertThat(r.merged()).isEqualTo(theirs);
    assertThat(r.applied()).isEmpty();
  }

  @Test
  void pieceSizesMustAgree() throws Exception {
    Manifest other = Manifest.of(PIECE * 2, List.of(file("index.php", A)));
    assertThatThrownBy(() -> ManifestMerge.rebase(BASE, other, BASE, Prefer.NONE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece sizes");
  }

  private static Manifest replace(Manifest m, ManifestEntry e) throws UnsafePathException {
    List<ManifestEntry> out = new java.util.ArrayList<>(m.entries());
    out.removeIf(x -> x.path().equals(e.path()));
    out.add(e);
    return Manifest.of(m.pieceSize(), out);
  }
}
