package io.wpsync.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class PieceSpaceTest {
  private static final int PS = Manifest.MIN_PIECE_SIZE;

  private static Digest d(String s) {
    return Digest.of(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void indicesRunOverUniqueObjectsThenTheirPieces() throws Exception {
    Digest small = d("small");
    Digest big = d("big");
    List<Digest> bigPieces = List.of(d("p0"), d("p1"), d("p2"));
    Manifest m = Manifest.of(PS, List.of(
        ManifestEntry.file("a.txt", 0644, 10, small, List.of()),
        ManifestEntry.file("b.bin", 0644, 2L * PS + 5, big, bigPieces),
        ManifestEntry.file("c.txt", 0644, 10, small, List.of()), // duplicate content: no new pieces
        ManifestEntry.directory("dir", 0755),
        ManifestEntry.file("dir/e", 0644, 0, d(""), List.of())));
    PieceSpace s = PieceSpace.of(m);
    assertThat(s.pieceCount()).isEqualTo(1 + 3 + 1);
    assertThat(s.ref(0)).isEqualTo(new PieceSpace.Ref(0, 0, small, 10, 1, 0, small, 10));
    assertThat(s.ref(1).pieceDigest()).isEqualTo(d("p0"));
    assertThat(s.ref(3)).isEqualTo(new PieceSpace.Ref(3, 1, big, 2L * PS + 5, 3, 2, d("p2"), 5));
    assertThat(s.ref(4).objectDigest()).isEqualTo(d(""));
    assertThat(s.ref(4).length()).isZero();
    assertThat(s.firstPiece(2)).isEqualTo(4);
    assertThatThrownBy(() -> s.ref(5)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
