package io.wpsync.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandshakeProofsTest {
  private static final ClusterSecret SECRET = ClusterSecret.of("0123456789abcdef0123456789abcdef-secret");

  @Test
  void proofsBindDirectionNoncesNodesClusterAndSecret() {
    HandshakeProofs p = new HandshakeProofs(SECRET, "c1");
    byte[] cn = HandshakeProofs.newNonce();
    byte[] sn = HandshakeProofs.newNonce();
    byte[] server = p.serverProof("a", "b", cn, sn);
    assertThat(HandshakeProofs.matches(server, p.serverProof("a", "b", cn, sn))).isTrue();
    assertThat(server).isNotEqualTo(p.clientProof("a", "b", cn, sn));
    assertThat(server).isNotEqualTo(p.serverProof("b", "a", cn, sn));
    assertThat(server).isNotEqualTo(p.serverProof("a", "b", sn, cn));
    assertThat(server).isNotEqualTo(new HandshakeProofs(SECRET, "c2").serverProof("a", "b", cn, sn));
    ClusterSecret other = ClusterSecret.of("0123456789abcdef0123456789abcdef-other!");
    assertThat(server).isNotEqualTo(new HandshakeProofs(other, "c1").serverProof("a", "b", cn, sn));
    assertThat(HandshakeProofs.newNonce()).isNotEqualTo(HandshakeProofs.newNonce());
  }

  @Test
  void secretFromFileAndEnvIgnoresOneNewlineAndEnforcesMinimumLength(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("secret");
    Files.writeString(f, "0123456789abcdef0123456789abcdef\n");
    assertThat(ClusterSecret.fromFile(f).key()).hasSize(32);
    assertThat(ClusterSecret.fromFile(f).toString()).doesNotContain("0123");
    Files.writeString(f, "short\n");
    assertThatThrownBy(() -> ClusterSecret.fromFile(f))
        .hasMessageContaining(f.toString()).hasMessageContaining("at least 32");
    assertThatThrownBy(() -> ClusterSecret.fromEnv(Map.of(), "WPSYNC_SECRET"))
        .hasMessageContaining("WPSYNC_SECRET");
    assertThat(ClusterSecret.fromEnv(Map.of("S", "x".repeat(40)), "S").key()).hasSize(40);
  }
}
