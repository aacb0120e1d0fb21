package io.wpsync.bench.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairedSlowdownTest {
  private static double[] r(int rps, double ms) {
    return new double[] {rps, ms, ms};
  }

  @Test
  void medianOfPerBlockRatiosCancelsDrift() {
    // the machine gets twice as slow in the second block; polling costs 10% in both
    List<double[]> seq = List.of(
        r(0, 100), r(300, 110), r(300, 110), r(0, 100),
        r(0, 200), r(300, 220), r(300, 220), r(0, 200),
        r(0, 100), r(300, 130), r(300, 130), r(0, 100));
    assertThat(RolloutBench.pairedSlowdown(seq)).isCloseTo(1.10, within(1e-9));
  }

  @Test
  void noFullBlockIsNaN() {
    assertThat(RolloutBench.pairedSlowdown(List.of(r(0, 1), r(300, 2)))).isNaN();
  }
}
