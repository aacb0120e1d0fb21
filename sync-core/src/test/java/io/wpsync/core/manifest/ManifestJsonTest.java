package io.wpsync.core.manifest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.core.hash.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestJsonTest {
  private static final int PIECE = 64 * 1024;
  private static final Digest D1 = Digest.of("one".getBytes(UTF_8));
  private static final Digest D2 = Digest.of("two".getBytes(UTF_8));

  private static Manifest sample() throws UnsafePathException {
    return Manifest.of(PIECE, List.of(
        ManifestEntry.directory("themes", 0755),
        ManifestEntry.file("themes/big.zip", 0600, PIECE + 1, D1, List.of(D1, D2)),
        ManifestEntry.file("themes/caf\u00e9 \"q\".css", 0644, 3, D2, List.of()),
        ManifestEntry.symlink("themes/current", "big.zip")));
  }

  @Test
  void roundTripsCompactAndPretty() throws Exception {
    Manifest m = sample();
    for (boolean pretty : new boolean[] {false, true}) {
      String json = ManifestJson.toJson(m, pretty);
      Manifest back = ManifestJson.fromJson(json);
      assertThat(back.entries()).isEqualTo(m.entries());
      assertThat(back.id()).isEqualTo(m.id());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ManifestJson.write(m, out, true);
    assertThat(ManifestJson.read(new ByteArrayInputStream(out.toByteArray())).id()).isEqualTo(m.id());
  }

  @Test
  void writesTheDocumentedShape() throws Exception {
    String json = ManifestJson.toJson(sample(), false);
    assertThat(json).startsWith("{\"id\":\"" + sample().id() + "\",\"pieceSize\":65536,\"fileCount\":2,\"totalBytes\":65540,\"entries\":[");
    assertThat(json).contains("{\"path\":\"themes\",\"type\":\"directory\",\"mode\":\"0755\"}");
    assertThat(json).contains("{\"path\":\"themes/big.zip\",\"type\":\"file\",\"mode\":\"0600\",\"size\":65537,\"sha256\":\""
        + D1.hex() + "\",\"pieces\":[\"" + D1.hex() + "\",\"" + D2.hex() + "\"]}");
    assertThat(json).contains("{\"path\":\"themes/caf\u00e9 \\\"q\\\".css\",\"type\":\"file\",\"mode\":\"0644\",\"size\":3,\"sha256\":\"" + D2.hex() + "\"}");
    assertThat(json).contains("{\"path\":\"themes/current\",\"type\":\"symlink\",\"target\":\"big.zip\"}");
  }

  @Test
  void acceptsHandWrittenJsonWithoutSummaryFields() throws Exception {
    Manifest m = ManifestJson.fromJson("""
        {"pieceSize": 65536, "entries": [
          {"path": "plugins", "type": "directory", "mode": "755"},
          {"path": "plugins/a.php", "type": "file", "mode": "0644", "size": 3, "sha256": "sha256:%s"}
        ]}""".formatted(D1.hex()));
    assertThat(m.fileCount()).isEqualTo(1);
    assertThat(m.entry("plugins").orElseThrow().mode()).isEqualTo(0755);
  }

  @Test
  void rejectsMalformedJsonWithItsPosition() {
    assertBad("", "expected a manifest object, got end of input");
    assertBad("{\"pieceSize\": 65536, \"entries\": [", "line 1");
    assertBad("{\"pieceSize\": 65536, \"entries\": []} {}", "trailing content");
    assertBad("[1]", "expected a manifest object");
    assertBad("{\"pieceSize\": 65536}", "missing 'entries'");
    assertBad("{\"entries\": []}", "missing 'pieceSize'");
    assertBad("{\"pieceSize\": 1, \"entries\": []}", "'pieceSize' 1 outside");
    assertBad("{\"pieceSize\": 65536, \"entries\": [], \"extra\": 1}", "unknown field 'extra'");
    assertBad("{\"pieceSize\": 65536, \"pieceSize\": 65536, \"entries\": []}", "Duplicate field 'pieceSize'");
    assertBad("{\"pieceSize\": \"big\", \"entries\": []}", "'pieceSize' must be an integer");
  }

  @Test
  void rejectsBadEntries() {
    String hex = D1.hex();
    assertBad(entries("{\"path\": \"a\", \"type\": \"file\", \"mode\": \"0644\", \"size\": 1}"), "needs 'mode', 'size' and 'sha256'");
    assertBad(entries("{\"path\": \"a\", \"type\": \"dir\", \"mode\": \"0755\"}"), "unknown type 'dir'");
    assertBad(entries("{\"path\": \"a\", \"type\": \"directory\", \"mode\": \"0755\", \"size\": 3}"), "does not belong to a directory");
    assertBad(entries("{\"path\": \"a\", \"type\": \"directory\", \"mode\": \"rwx\"}"), "not octal");
    assertBad(entries("{\"path\": \"a\", \"type\": \"directory\", \"mode\": \"17777\"}"), "beyond 07777");
    assertBad(entries("{\"path\": \"a\", \"type\": \"file\", \"mode\": \"0644\", \"size\": 1, \"sha256\": \"abc\"}"), "not a sha256 digest");
    assertBad(entries("{\"path\": \"a\", \"type\": \"file\", \"mode\": \"0644\", \"size\": -1, \"sha256\": \"" + hex + "\"}"), "'size' -1 outside");
    assertBad(entries("{\"path\": \"a\", \"type\": \"symlink\"}"), "needs 'target'");
    assertBad(entries("{\"type\": \"symlink\", \"target\": \"x\"}"), "needs 'path' and 'type'");
    assertBad(entries("{\"path\": \"a\", \"type\": \"file\", \"mode\": \"0644\", \"size\": 1, \"sha256\": \"" + hex + "\", \"colour\": 1}"), "unknown field 'colour'");
  }

  @Test
  void entriesGoThroughThePathRules() {
    assertThatThrownBy(() -> ManifestJson.fromJson(entries("{\"path\": \"/etc/passwd\", \"type\": \"directory\", \"mode\": \"0755\"}")))
        .isInstanceOf(UnsafePathException.class).hasMessageContaining("absolute");
    assertThatThrownBy(() -> ManifestJson.fromJson(entries("{\"path\": \"l\", \"type\": \"symlink\", \"target\": \"../x\"}")))
        .isInstanceOf(UnsafePathException.class).hasMessageContaining("escapes the tree");
    assertThatThrownBy(() -> ManifestJson.fromJson(entries("{\"path\": \"a/b\", \"type\": \"directory\", \"mode\": \"0755\"}")))
        .isInstanceOf(UnsafePathException.class).hasMessageContaining("not listed");
  }

  @Test
  void summaryFieldsMustAgreeWithTheEntries() throws Exception {
    String json = ManifestJson.toJson(sample(), false);
    assertBad(json.replace("\"fileCount\":2", "\"fileCount\":3"), "'fileCount' says 3");
    assertBad(json.replace("\"totalBytes\":65540", "\"totalBytes\":1"), "'totalBytes' says 1");
    assertBad(json.replace("\"size\":3", "\"size\":4").replace("\"totalBytes\":65540", "\"totalBytes\":65541"),
        "'id' says " + sample().id());
  }

  private static String entries(String entry) {
    return "{\"pieceSize\": 65536, \"entries\": [" + entry + "]}";
  }

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> ManifestJson.fromJson(json), json)
        .isInstanceOf(ManifestFormatException.class)
        .hasMessageContaining(message);
  }
}
