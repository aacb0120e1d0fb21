package io.wpsync.bench.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wpsync.agent.rollout.AgentMetrics;
import io.wpsync.agent.rollout.Readiness;
import io.wpsync.agent.rollout.ZkLossPolicy;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark reads the agent's own prepare timer ({@link AgentMetrics}) from its Prometheus exposition. */
class PrepareTimerTest {
  @Test
  void readsCountAndSumOfThePreparedOutcomeOnly() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AgentMetrics metrics = new AgentMetrics(registry,
        new Readiness(Duration.ofSeconds(30), ZkLossPolicy.SERVE, Clock.systemUTC()));
    metrics.prepared(Duration.ofMillis(250), true);
    metrics.prepared(Duration.ofMillis(750), true);
    metrics.prepared(Duration.ofSeconds(9), false);

    double[] t = RolloutBench.prepareTimer(registry.scrape());

    assertThat(t[0]).isEqualTo(2);
    assertThat(t[1]).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void absentTimerIsZero() {
    assertThat(RolloutBench.prepareTimer("# nothing here\n")).containsExactly(0, 0);
  }
}
