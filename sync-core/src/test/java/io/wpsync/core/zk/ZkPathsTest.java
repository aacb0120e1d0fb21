package io.wpsync.core.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ZkPathsTest {
  @Test
  void buildsPathsUnderTheirParents() {
    assertThat(ZkPaths.agent("node-1")).isEqualTo("/agents/node-1");
    assertThat(ZkPaths.report("ro-1", "node-1")).isEqualTo("/rollouts/ro-1/reports/node-1");
    assertThat(ZkPaths.releaseCopy("r0000000001", "coord-0")).isEqualTo("/release-copies/r0000000001/coord-0");
    assertThat(ZkPaths.namespace("blog")).isEqualTo("wpsync/blog");
  }

  @Test
  void refusesIdsThatCouldEscapeOrNest() {
    for (String bad : new String[] {"", "../x", "a/b", ".hidden", "-x", "a b", "x".repeat(129)}) {
      assertThatThrownBy(() -> ZkPaths.agent(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("agent id");
    }
    assertThat(ZkPaths.isValidId(null)).isFalse();
  }
}
