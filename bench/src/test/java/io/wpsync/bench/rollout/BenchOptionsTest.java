package io.wpsync.bench.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
  @Test
  void defaults() {
    BenchOptions o = BenchOptions.parse(new String[] {"--dir", "/tmp/x", "--jar", "/tmp/wpsync.jar"});
    assertThat(o.agents()).isEqualTo(10);
    assertThat(o.rollouts()).isEqualTo(30);
    assertThat(o.pollRps()).isZero();
    assertThat(o.compare()).isFalse();
    assertThat(o.timeout()).isEqualTo(Duration.ofMinutes(30));
    assertThat(o.modes()).containsExactly(0);
  }

  @Test
  void compareRunsWithoutAndWithPolling() {
    BenchOptions o = BenchOptions.parse(new String[] {"--dir", "d", "--jar", "j", "--poll-rps", "300", "--compare",
        "--agents", "4"});
    assertThat(o.modes()).isEqualTo(List.of(0, 300));
    assertThat(o.agents()).isEqualTo(4);
  }

  @Test
  void refusesBadOptionsWithAClearMessage() {
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--dir", "d", "--jar", "j", "--compare"}))
        .hasMessageContaining("--compare needs --poll-rps");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--dir", "d", "--jar", "j", "--agents", "0"}))
        .hasMessageContaining("--agents must be 1..50");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--dir", "d", "--jar", "j", "--nope", "1"}))
        .hasMessageContaining("unknown option --nope");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jar", "j"})).hasMessageContaining("--dir is required");
    assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--dir", "d", "--jar"})).hasMessageContaining("needs a value");
  }
}
