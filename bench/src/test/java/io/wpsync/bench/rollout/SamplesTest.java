package io.wpsync.bench.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SamplesTest {
  @Test
  void nearestRankPercentiles() {
    Samples s = new Samples();
    for (int v : new int[] {50, 10, 40, 20, 30, 60, 70, 80, 90, 100}) {
      s.add(v);
    }
    assertThat(s.p(50)).isEqualTo(50);
    assertThat(s.p(95)).isEqualTo(100);
    assertThat(s.p(10)).isEqualTo(10);
    assertThat(s.p(11)).isEqualTo(20);
    assertThat(s.max()).isEqualTo(100);
    assertThat(s.mean()).isEqualTo(55);
  }

  @Test
  void emptyIsNaNAndPercentileMustBeInRange() {
    assertThat(new Samples().p(50)).isNaN();
    assertThatThrownBy(() -> new Samples().p(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Samples().p(101)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void addAllCopiesTheValues() {
    Samples a = new Samples();
    a.add(1);
    Samples b = new Samples();
    b.add(3);
    b.addAll(a);
    a.add(100);
    assertThat(b.size()).isEqualTo(2);
    assertThat(b.max()).isEqualTo(3);
  }
}
