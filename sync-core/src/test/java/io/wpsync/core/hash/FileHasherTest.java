package io.wpsync.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileHasherTest {
  private static final int PIECE = 64 * 1024;

  @TempDir Path dir;

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static List<Digest> expectedPieces(byte[] data, int pieceSize) {
    List<Digest> out = new ArrayList<>();
    if (data.length <= pieceSize) {
      return out;
    }
    for (int off = 0; off < data.length; off += pieceSize) {
      out.add(Digest.of(data, off, Math.min(pieceSize, data.length - off)));
    }
    return out;
  }

  /** Sizes around the piece boundaries, with a buffer that does not divide the piece size. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4095, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE, 3 * PIECE, 3 * PIECE + 17, 5 * PIECE - 3})
  void wholeAndPieceDigestsMatchTheContent(int size) throws IOException {
    byte[] data = random(size, size);
    Path f = Files.write(dir.resolve("f"), data);
    FileHasher hasher = new FileHasher(PIECE, 10_000, null);

    FileDigests d = hasher.hash(f);

    assertThat(d.size()).isEqualTo(size);
    assertThat(d.digest()).isEqualTo(Digest.of(data));
    assertThat(d.pieces()).isEqualTo(expectedPieces(data, PIECE));
    assertThat(hasher.bytesHashed()).isEqualTo(size);
    assertThat(hasher.filesHashed()).isEqualTo(1);
  }

  @Test
  void aFileOfExactlyOnePieceHasNoPieceList() throws IOException {
    Path f = Files.write(dir.resolve("f"), random(PIECE, 1));
    assertThat(new FileHasher(PIECE).hash(f).pieces()).isEmpty();
  }

  @Test
  void reusedBuffersGiveIndependentResults() throws IOException {
    FileHasher hasher = new FileHasher(PIECE, 4096, null);
    byte[] big = random(3 * PIECE + 5, 7);
    byte[] small = random(100, 8);
    Path a = Files.write(dir.resolve("a"), big);
    Path b = Files.write(dir.resolve("b"), small);
    FileDigests first = hasher.hash(a);
    assertThat(hasher.hash(b).digest()).isEqualTo(Digest.of(small));
    assertThat(hasher.hash(a)).isEqualTo(first);
    assertThat(hasher.bytesHashed()).isEqualTo(2L * big.length + small.length);
  }

  @Test
  void doesNotFollowSymlinks() throws IOException {
    Path target = Files.write(dir.resolve("target"), random(10, 1));
    Path link = Files.createSymbolicLink(dir.resolve("link"), target.getFileName());
    FileHasher hasher = new FileHasher(PIECE);
    assertThatThrownBy(() -> hasher.hash(link)).isInstanceOf(IOException.class);
    assertThat(hasher.bytesHashed()).isZero();
  }

  @Test
  void listenerSeesEveryBuffer() throws IOException {
    Path f = Files.write(dir.resolve("f"), random(10_000, 3));
    List<Long> seen = new ArrayList<>();
    new FileHasher(PIECE, 4096, (file, bytes) -> seen.add(bytes)).hash(f);
    assertThat(seen).containsExactly(4096L, 8192L, 10_000L);
  }

  @Test
  void rejectsBadSizes() {
    assertThatThrownBy(() -> new FileHasher(1000)).hasMessageContaining("piece size 1000");
    assertThatThrownBy(() -> new FileHasher(PIECE, 10, null)).hasMessageContaining("buffer size 10");
  }

  @Test
  void piecesCoverTheFileInOrder() throws IOException {
    byte[] data = random(2 * PIECE + 100, 11);
    Path f = Files.write(dir.resolve("f"), data);
    FileDigests d = new FileHasher(PIECE).hash(f);
    assertThat(d.pieces()).hasSize(3);
    assertThat(d.pieces().get(2)).isEqualTo(Digest.of(Arrays.copyOfRange(data, 2 * PIECE, data.length)));
  }
}
