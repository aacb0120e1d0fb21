package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
  private static final int PIECE = 64 * 1024;
  private static final Digest D1 = Digest.of("one".getBytes(UTF_8));
  private static final Digest D2 = Digest.of("two".getBytes(UTF_8));

  /** Writes the canonical layout without any validation, to craft hostile input. */
  private static final class Raw {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    Raw(int count) throws IOException {
      out.write(new byte[] {'W', 'P', 'S', 'M', 1});
      out.writeInt(PIECE);
      out.writeInt(count);
    }

    private void name(byte[] b) throws IOException {
      out.writeShort(b.length);
      out.write(b);
    }

    Raw dir(String path) throws IOException {
      return dir(path.getBytes(UTF_8));
    }

    Raw dir(byte[] path) throws IOException {
      out.writeByte('D');
      out.writeShort(0755);
      name(path);
      return this;
    }

    Raw file(String path, long size, Digest d) throws IOException {
      out.writeByte('F');
      out.writeShort(0644);
      name(path.getBytes(UTF_8));
      out.writeLong(size);
      out.write(d.toBytes());
      out.writeInt(0);
      return this;
    }

    Raw link(String path, String target) throws IOException {
      out.writeByte('L');
      out.writeShort(0777);
      name(path.getBytes(UTF_8));
      name(target.getBytes(UTF_8));
      return this;
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  private static Manifest sample() throws UnsafePathException {
    return Manifest.of(PIECE, List.of(
        ManifestEntry.directory("themes", 0755),
        ManifestEntry.directory("themes/t", 0750),
        ManifestEntry.file("themes/t/style.css", 0644, 3, D1, List.of()),
        ManifestEntry.file("themes/t/big.zip", 0600, 2L * PIECE + 1, D2, List.of(D1, D2, D1)),
        ManifestEntry.symlink("themes/current", "t"),
        ManifestEntry.file("index.php", 0644, 5, D2, List.of())));
  }

  @Test
  void roundTripKeepsEveryFieldAndTheId() throws Exception {
    Manifest m = sample();
    byte[] bytes = ManifestCodec.encode(m);
    Manifest back = ManifestCodec.decode(bytes);
    assertThat(back.entries()).isEqualTo(m.entries());
    assertThat(back.pieceSize()).isEqualTo(PIECE);
    assertThat(back.id()).isEqualTo(m.id()).isEqualTo(Digest.of(bytes));
    assertThat(ManifestCodec.encode(back)).isEqualTo(bytes);
  }

  @Test
  void theIdDoesNotDependOnInputOrder() throws Exception {
    List<ManifestEntry> entries = new java.util.ArrayList<>(sample().entries());
    java.util.Collections.reverse(entries);
    assertThat(Manifest.of(PIECE, entries).id()).isEqualTo(sample().id());
  }

  @Test
  void rejectsTruncatedInputAtEveryLength() throws Exception {
    byte[] bytes = ManifestCodec.encode(sample());
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThatThrownBy(() -> ManifestCodec.decode(cut), "length " + len)
          .isInstanceOf(ManifestFormatException.class);
    }
  }

  @Test
  void rejectsTrailingBytes() throws Exception {
    byte[] bytes = ManifestCodec.encode(sample());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> ManifestCodec.decode(longer)).hasMessageContaining("1 trailing bytes");
  }

  @Test
  void rejectsBadMagicAndVersion() throws Exception {
    byte[] bytes = ManifestCodec.encode(sample());
    bytes[0] = 'X';
    assertThatThrownBy(() -> ManifestCodec.decode(bytes)).hasMessageContaining("bad magic");
    byte[] v2 = ManifestCodec.encode(sample());
    v2[4] = 2;
    assertThatThrownBy(() -> ManifestCodec.decode(v2)).hasMessageContaining("version 2");
  }

  @Test
  void rejectsUnsortedAndDuplicateEntries() throws Exception {
    byte[] unsorted = new Raw(2).dir("b").dir("a").bytes();
    assertThatThrownBy(() -> ManifestCodec.decode(unsorted)).isInstanceOf(ManifestFormatException.class)
        .hasMessageContaining("not strictly sorted");
    byte[] twice = new Raw(2).dir("a").dir("a").bytes();
    assertThatThrownBy(() -> ManifestCodec.decode(twice)).hasMessageContaining("not strictly sorted");
  }

  @Test
  void rejectsPathBytesThatAreNotUtf8() throws Exception {
    byte[] bad = new Raw(1).dir(new byte[] {'b', 'a', 'd', (byte) 0xff}).bytes();
    assertThatThrownBy(() -> ManifestCodec.decode(bad)).isInstanceOf(ManifestFormatException.class)
        .hasMessageContaining("not valid UTF-8");
    byte[] overlong = new Raw(1).dir(new byte[] {(byte) 0xc0, (byte) 0xaf}).bytes(); // overlong '/'
    assertThatThrownBy(() -> ManifestCodec.decode(overlong)).hasMessageContaining("not valid UTF-8");
  }

  @Test
  void rejectsAbsoluteDotDotAndNulPaths() throws Exception {
    assertUnsafe(new Raw(1).file("/etc/passwd", 1, D1).bytes(), "absolute");
    assertUnsafe(new Raw(2).dir("a").file("a/../../x", 1, D1).bytes(), "'..'");
    assertUnsafe(new Raw(1).file("..", 1, D1).bytes(), "'..'");
    assertUnsafe(new Raw(1).file("a\0b", 1, D1).bytes(), "NUL");
    assertUnsafe(new Raw(2).dir("a").file("a//b", 1, D1).bytes(), "empty segment");
  }

  @Test
  void rejectsSymlinksThatEscapeTheTree() throws Exception {
    assertUnsafe(new Raw(1).link("l", "/etc").bytes(), "absolute");
    assertUnsafe(new Raw(2).dir("a").link("a/l", "../..").bytes(), "escapes the tree");
    // a chain through in-tree links: a/up -> .. is harmless alone, a/out -> up/../.. leaves the tree
    assertUnsafe(new Raw(3).dir("a").link("a/out", "up/../x").link("a/up", "..").bytes(), "escapes the tree");
    // a loop never resolves
    assertUnsafe(new Raw(2).link("x", "y/z").link("y", "x").bytes(), "deeper than");
  }

  @Test
  void acceptsSymlinksThatStayInside() throws Exception {
    Manifest m = ManifestCodec.decode(new Raw(3).dir("a").link("a/up", "..").link("b", "a/up/a").bytes());
    assertThat(m.entry("b").orElseThrow().target()).isEqualTo("a/up/a");
  }

  @Test
  void rejectsNamesThatCollideAfterUnicodeNormalization() throws Exception {
    String nfc = "caf\u00e9.php";
    String nfd = "cafe\u0301.php";
    byte[] bytes = new Raw(2).file(nfd, 1, D1).file(nfc, 1, D1).bytes(); // 'e' < '\u00e9': sorted
    assertUnsafe(bytes, "Unicode normalization");
  }

  @Test
  void rejectsEntriesUnderASymlinkOrAFileOrWithoutParent() throws Exception {
    assertUnsafe(new Raw(3).dir("a").link("a/l", "..").file("a/l/x", 1, D1).bytes(), "is a symlink");
    assertUnsafe(new Raw(2).file("f", 1, D1).file("f/x", 1, D1).bytes(), "is a file");
    assertUnsafe(new Raw(1).file("missing/x", 1, D1).bytes(), "not listed");
  }

  @Test
  void rejectsAPieceListThatDoesNotFitTheSize() throws Exception {
    assertThatThrownBy(() -> Manifest.of(PIECE, List.of(ManifestEntry.file("big", 0644, PIECE + 1, D1, List.of()))))
        .isInstanceOf(UnsafePathException.class).hasMessageContaining("expected 2");
  }

  private static void assertUnsafe(byte[] bytes, String reason) {
    assertThatThrownBy(() -> ManifestCodec.decode(bytes))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining(reason);
  }
}
