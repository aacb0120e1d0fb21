package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestTest {
  private static final int PIECE = Manifest.MIN_PIECE_SIZE;

  private static ManifestEntry file(String path, String content) {
    byte[] b = content.getBytes(UTF_8);
    return ManifestEntry.file(path, 0644, b.length, Digest.of(b), List.of());
  }

  private static List<ManifestEntry> tree(int files, String changed) {
    List<ManifestEntry> entries = new ArrayList<>();
    entries.add(ManifestEntry.directory("plugins", 0755));
    for (int i = 0; i < files; i++) {
      String path = "plugins/f" + i + ".php";
      entries.add(file(path, path.equals(changed) ? "changed" : "content " + i));
    }
    return entries;
  }

  @Test
  void equalEntriesOfDifferentManifestsAreOneObject() throws Exception {
    Manifest a = Manifest.of(PIECE, tree(100, null));
    Manifest b = Manifest.of(PIECE, tree(100, "plugins/f7.php"));
    int shared = 0;
    for (ManifestEntry e : b.entries()) {
      ManifestEntry other = a.entry(e.path()).orElseThrow();
      if (other == e) {
        shared++;
      }
    }
    assertThat(shared).isEqualTo(b.size() - 1); // all but the changed file
    Manifest decoded = ManifestCodec.decode(ManifestCodec.encode(a));
    assertThat(decoded.entries().get(5)).isSameAs(a.entries().get(5));
  }

  @Test
  void looksUpEveryPathByBinarySearchInUtf8Order() throws Exception {
    List<ManifestEntry> entries = new ArrayList<>(List.of(
        ManifestEntry.directory("a", 0755), file("a/\u00e9.php", "1"), file("a/z.php", "2"),
        file("a/\ud83d\ude00.php", "3"), file("a/\uff41.php", "4"), file("b.php", "5"), file("a-b.php", "6")));
    Collections.shuffle(entries, new Random(7));
    Manifest m = Manifest.of(PIECE, entries);
    for (ManifestEntry e : entries) {
      assertThat(m.entry(e.path())).as(e.path()).contains(e);
    }
    assertThat(m.entry("a/y.php")).isEmpty();
    assertThat(m.entry("")).isEmpty();
    assertThat(m.entry("c")).isEmpty();
    assertThat(Manifest.empty().entry("a")).isEmpty();
  }

  @Test
  void aDecodedManifestHasTheIdOfItsBytes() throws Exception {
    Manifest m = Manifest.of(PIECE, tree(50, null));
    byte[] bytes = ManifestCodec.encode(m);
    Manifest decoded = ManifestCodec.decode(bytes);
    assertThat(decoded.id()).isEqualTo(Digest.of(bytes)).isEqualTo(m.id());
    assertThat(ManifestCodec.encode(decoded)).isEqualTo(bytes);
  }

  @Test
  void aNonAsciiNameCollidingWithAnAsciiOneIsRejectedInEitherOrder() {
    Digest d = Digest.of(new byte[0]);
    ManifestEntry kelvin = ManifestEntry.file("\u212a.php", 0644, 0, d, List.of()); // NFC: "K.php"
    ManifestEntry ascii = ManifestEntry.file("K.php", 0644, 0, d, List.of());
    ManifestEntry composed = ManifestEntry.file("\u00e9.php", 0644, 0, d, List.of());
    ManifestEntry decomposed = ManifestEntry.file("e\u0301.php", 0644, 0, d, List.of());
    for (List<ManifestEntry> pair : List.of(List.of(kelvin, ascii), List.of(ascii, kelvin),
        List.of(composed, decomposed), List.of(decomposed, composed))) {
      assertThatThrownBy(() -> PathRules.validate(pair)).as(pair.toString())
          .isInstanceOf(UnsafePathException.class)
          .hasMessageContaining("Unicode normalization");
    }
  }

  @Test
  void duplicatePathsAreRejectedEvenWhenAlreadySorted() {
    assertThatThrownBy(() -> Manifest.of(PIECE, List.of(file("a.php", "1"), file("a.php", "2"))))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("listed twice");
  }
}
