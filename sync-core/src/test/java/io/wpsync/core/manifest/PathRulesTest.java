package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PathRulesTest {
  private static final char[] ALPHABET = {
      'a', 'b', '/', '.', 'Z', '\u00e9', '\u0301', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff'};

  private static String randomPath(SplittableRandom rnd) {
    StringBuilder b = new StringBuilder();
    int n = rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(5) == 0) {
        b.appendCodePoint(0x10000 + rnd.nextInt(0x10FFFF - 0x10000)); // a surrogate pair
      } else {
        b.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
      }
    }
    return b.toString();
  }

  @Test
  void compareUtf8IsUnsignedUtf8ByteOrder() {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int i = 0; i < 200_000; i++) {
      String a = randomPath(rnd);
      String b = rnd.nextInt(4) == 0 ? a + randomPath(rnd) : randomPath(rnd);
      int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8)));
      assertThat(Integer.signum(PathRules.compareUtf8(a, b))).as("%s vs %s", a, b).isEqualTo(expected);
      assertThat(Integer.signum(PathRules.compareUtf8(b, a))).isEqualTo(-expected);
    }
  }

  @Test
  void acceptsOrdinaryPaths() {
    for (String ok : List.of("a", "themes/t/style.css", ".htaccess", "a/..b/c..", "caf\u00e9/\ud83d\ude00.php", "a b/c\\d")) {
      assertThatCode(() -> PathRules.checkPath(ok)).as(ok).doesNotThrowAnyException();
    }
  }

  @Test
  void rejectsEachKindOfBadPath() {
    assertRejected("", "empty path");
    assertRejected("/etc/passwd", "absolute");
    assertRejected("a/", "empty segment");
    assertRejected("a//b", "empty segment");
    assertRejected("./a", "'.' segment");
    assertRejected("a/..", "'..' segment");
    assertRejected("a\0b", "NUL");
    assertRejected("a\ud800b", "not valid UTF-8");
    assertRejected("a\udc00", "not valid UTF-8");
    assertRejected("x".repeat(256), "segment is longer than 255");
    assertRejected("\u00e9".repeat(128), "segment is longer than 255"); // 256 bytes
    assertThatCode(() -> PathRules.checkPath("\u00e9".repeat(127) + "x")).doesNotThrowAnyException();
    assertRejected(("x".repeat(200) + "/").repeat(21) + "x", "longer than 4096 bytes");
  }

  @Test
  void namesThatNormalizeToTheSameTextCollideEvenWithAscii() {
    Digest d = Digest.of(new byte[0]);
    assertThatThrownBy(() -> Manifest.of(Manifest.MIN_PIECE_SIZE, List.of(
        ManifestEntry.file("K.php", 0644, 0, d, List.of()),
        ManifestEntry.file("\u212a.php", 0644, 0, d, List.of())))) // KELVIN SIGN: NFC is 'K'
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("Unicode normalization");
  }

  private static void assertRejected(String path, String reason) {
    assertThatThrownBy(() -> PathRules.checkPath(path)).as(path)
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining(reason);
  }
}
