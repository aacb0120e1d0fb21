package io.wpsync.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The coordinator's meters, each with a description; dotted names with base units, tags with few
 * values. Prometheus renders them as {@code wpsync_rollouts_total{outcome="committed"}} etc.
 */
public final class CoordinatorMetrics {
  private final MeterRegistry registry;
  private final Counter committed;
  private final Counter aborted;
  private final Timer committedDuration;
  private final Timer abortedDuration;
  private final Timer switchSkew;
  private final Counter releases;
  /** Commit time of the committed release (epoch millis), 0 if none known. */
  private final AtomicLong committedAt = new AtomicLong();

  public CoordinatorMetrics(MeterRegistry registry, LongSupplier clock) {
    this.registry = registry;
    this.committed = rollouts("committed");
    this.aborted = rollouts("aborted");
    this.committedDuration = duration("committed");
    this.abortedDuration = duration("aborted");
    this.switchSkew = Timer.builder("wpsync.rollout.switch.skew")
        .description("Time between the first and the last agent switching to a committed release, per rollout")
        .register(registry);
    this.releases = Counter.builder("wpsync.releases")
        .description("Releases published through this coordinator")
        .register(registry);
    Gauge.builder("wpsync.committed.release.age", this, m -> {
          long at = m.committedAt.get();
          return at == 0 ? Double.NaN : Math.max(0, clock.getAsLong() - at) / 1000.0;
        })
        .description("Seconds since the committed release was committed (NaN before the first commit)")
        .baseUnit("seconds")
        .register(registry);
  }

  private Counter rollouts(String outcome) {
    return Counter.builder("wpsync.rollouts").tag("outcome", outcome)
        .description("Rollouts decided by this coordinator while leader, by outcome")
        .register(registry);
  }

  private Timer duration(String outcome) {
    return Timer.builder("wpsync.rollout.duration").tag("outcome", outcome)
        .description("Time from the start of a rollout to its decision (commit or abort)")
        .register(registry);
  }

  /** Registers gauges for leadership and the ZooKeeper connection. */
  public void bindCoordinatorState(BooleanSupplier leader, BooleanSupplier zkConnected) {
    Gauge.builder("wpsync.coordinator.leader", () -> leader.getAsBoolean() ? 1 : 0)
        .description("1 while this coordinator is the leader that drives rollouts, else 0")
        .register(registry);
    Gauge.builder("wpsync.coordinator.zk.connected", () -> zkConnected.getAsBoolean() ? 1 : 0)
        .description("1 while this coordinator is connected to ZooKeeper, else 0")
        .register(registry);
  }

  public void rolloutDecided(boolean commit, long durationMillis) {
    (commit ? committed : aborted).increment();
    (commit ? committedDuration : abortedDuration).record(Duration.ofMillis(Math.max(0, durationMillis)));
  }

  public void switchSkew(long millis) {
    switchSkew.record(Duration.ofMillis(Math.max(0, millis)));
  }

  public void releasePublished() {
    releases.increment();
  }

  public void committedAt(long epochMillis) {
    committedAt.set(epochMillis);
  }

  public MeterRegistry registry() {
    return registry;
  }
}
