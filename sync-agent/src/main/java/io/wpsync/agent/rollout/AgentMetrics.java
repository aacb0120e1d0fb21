package io.wpsync.agent.rollout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The agent's rollout metrics. Gauges read {@link Readiness} when scraped, so they are always
 * current; no tag carries an agent or release id.
 */
public final class AgentMetrics {
  /** Histogram buckets of the prepare duration. */
  static final Duration[] PREPARE_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
      Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10)};

  private final Counter switches;
  private final Timer prepared;
  private final Timer failed;

  public AgentMetrics(MeterRegistry registry, Readiness readiness) {
    Gauge.builder("wpsync.agent.ready", readiness, r -> r.check().ready() ? 1 : 0)
        .description("1 if the agent may serve (see /readyz for the reason), else 0")
        .register(registry);
    Gauge.builder("wpsync.agent.behind.seconds", readiness, r -> r.behindMillis() / 1000.0)
        .description("How long the agent has been behind the committed release (0 when on it)")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("wpsync.agent.zk.connected", readiness, r -> r.isZkConnected() ? 1 : 0)
        .description("1 while the agent has a ZooKeeper connection, else 0 (alert on 0)")
        .register(registry);
    switches = Counter.builder("wpsync.agent.switches")
        .description("Atomic switches of current to another release")
        .register(registry);
    prepared = prepareTimer(registry, "prepared");
    failed = prepareTimer(registry, "failed");
  }

  private static Timer prepareTimer(MeterRegistry registry, String outcome) {
    return Timer.builder("wpsync.agent.prepare.duration")
        .description("Time to prepare a rollout's target (fetch, verify, materialize, fsync), by outcome")
        .tags("outcome", outcome)
        .serviceLevelObjectives(PREPARE_BUCKETS)
        .register(registry);
  }

  public void switched() {
    switches.increment();
  }

  public void prepared(Duration took, boolean ok) {
    (ok ? prepared : failed).record(took);
  }
}
