package io.wpsync.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wpsync.coordinator.fleet.AgentCensus;
import io.wpsync.core.cluster.AgentState;
import io.wpsync.core.cluster.CommittedRelease;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The coordinator's meters, each with a description; dotted names with base units, tags with few
 * values (never agent or release ids). Prometheus renders them as {@code
 * wpsync_rollouts_total{outcome="committed"}} etc.; every one is listed in {@code docs/metrics.md}.
 * Durations are histograms with fixed buckets, so quantiles can be computed across coordinators.
 */
public final class CoordinatorMetrics {
  /** Buckets of the rollout duration (start to decision). */
  static final Duration[] ROLLOUT_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
      Duration.ofMinutes(10), Duration.ofMinutes(30)};
  /** Buckets of the switch skew (first to last agent switching). */
  static final Duration[] SKEW_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  private final MeterRegistry registry;
  private final LongSupplier clock;
  private final Counter committed;
  private final Counter aborted;
  private final Timer committedDuration;
  private final Timer abortedDuration;
  private final Timer switchSkew;
  private final Counter releases;
  /** Commit time of the committed release (epoch millis) as this coordinator decided it, 0 if none known. */
  private final AtomicLong committedAt = new AtomicLong();
  private final AtomicReference<AgentCensus> census = new AtomicReference<>();

  public CoordinatorMetrics(MeterRegistry registry, LongSupplier clock) {
    this.registry = registry;
    this.clock = clock;
    this.committed = rollouts("committed");
    this.aborted = rollouts("aborted");
    this.committedDuration = duration("committed");
    this.abortedDuration = duration("aborted");
    this.switchSkew = Timer.builder("wpsync.rollout.switch.skew")
        .description("Time between the first and the last agent switching to a committed release, per rollout")
        .serviceLevelObjectives(SKEW_BUCKETS)
        .register(registry);
    this.releases = Counter.builder("wpsync.releases")
        .description("Releases published through this coordinator")
        .register(registry);
    Gauge.builder("wpsync.committed.release.age", this, CoordinatorMetrics::committedAgeSeconds)
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
        .description("Time from the start of a rollout to its decision (commit or abort), by outcome")
        .serviceLevelObjectives(ROLLOUT_BUCKETS)
        .register(registry);
  }

  private double committedAgeSeconds() {
    AgentCensus c = census.get();
    long at = c == null ? 0 : c.committed().map(CommittedRelease::committedAt).orElse(0L);
    if (at == 0) {
      at = committedAt.get();
    }
    return at == 0 ? Double.NaN : Math.max(0, clock.getAsLong() - at) / 1000.0;
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

  /**
   * Registers the fleet gauges, computed from {@code census} at scrape time: agents by published
   * state, agents not ready, agents not on the committed release; and makes the committed-release
   * age follow ZooKeeper (so standbys report it too).
   */
  public void bindFleet(AgentCensus fleet) {
    census.set(Objects.requireNonNull(fleet, "fleet"));
    for (AgentState s : AgentState.values()) {
      Gauge.builder("wpsync.agents", fleet, c -> count(c, a -> a.info().state() == s ? 1 : 0))
          .description("Live agents (with a ZooKeeper session) by the state they publish")
          .tag("state", s.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    Gauge.builder("wpsync.agents.not.ready", fleet, c -> count(c, a -> a.info().ready() ? 0 : 1))
        .description("Live agents whose published readiness is false")
        .register(registry);
    Gauge.builder("wpsync.agents.behind.committed", fleet, c -> {
          String committedId = c.committed().map(CommittedRelease::releaseId).orElse(null);
          return committedId == null ? 0 : count(c, a -> committedId.equals(a.info().currentRelease()) ? 0 : 1);
        })
        .description("Live agents whose current release is not the committed release")
        .register(registry);
  }

  private static double count(AgentCensus c, ToDoubleFunction<AgentCensus.AgentSeen> f) {
    double n = 0;
    for (AgentCensus.AgentSeen a : c.agents().values()) {
      n += f.applyAsDouble(a);
    }
    return n;
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
