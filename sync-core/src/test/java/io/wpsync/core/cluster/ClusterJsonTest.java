package io.wpsync.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterJsonTest {
  @Test
  void rolloutRecordRoundTrips() throws IOException {
    RolloutInfo r = new RolloutInfo("ro-1", "r2", "sha256:00", "r1", false, List.of("a", "b"),
        FailurePolicy.exclude(0.05), 1, 2, RolloutState.PREPARING, null, null, 0, 7);
    assertThat(ClusterJson.read(ClusterJson.write(r), RolloutInfo.class)).isEqualTo(r);
  }

  @Test
  void ignoresFieldsFromNewerVersions() throws IOException {
    byte[] json = "{\"epoch\":3,\"leaderId\":\"c1\",\"since\":5,\"future\":true}".getBytes(StandardCharsets.UTF_8);
    assertThat(ClusterJson.read(json, LeaderEpoch.class)).isEqualTo(new LeaderEpoch(3, "c1", 5));
  }

  @Test
  void malformedDataNamesTheRecordType() {
    assertThatThrownBy(() -> ClusterJson.read("{".getBytes(StandardCharsets.UTF_8), CommittedRelease.class))
        .isInstanceOf(IOException.class).hasMessageContaining("malformed CommittedRelease");
    assertThatThrownBy(() -> ClusterJson.read(new byte[0], AgentInfo.class)).hasMessageContaining("empty znode");
  }

  @Test
  void policyShareIsBounded() {
    assertThatThrownBy(() -> FailurePolicy.exclude(1.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
