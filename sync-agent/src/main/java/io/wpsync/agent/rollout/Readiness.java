package io.wpsync.agent.rollout;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Whether this agent may serve: the rules of {@code docs/consistency.md}, evaluated from what the
 * agent has observed, with an injected clock so every rule is unit-tested.
 *
 * <p>The agent is NOT ready, checked in this order:
 * <ol>
 *   <li>while no committed release is known (ZooKeeper never answered, or nothing was ever
 *       committed): a new pod has nothing consistent to serve;</li>
 *   <li>while it has never reached the committed release since it started (a new pod from the
 *       autoscaler syncs first);</li>
 *   <li>with policy {@link ZkLossPolicy#STRICT}, once ZooKeeper has been unreachable for longer
 *       than the grace;</li>
 *   <li>while a commit excluded it (policy EXCLUDE) and it has not caught up with that release;</li>
 *   <li>once it has been behind the committed release for longer than the grace G: the
 *       milliseconds between a commit and the switch never flap readiness.</li>
 * </ol>
 * "Behind since" is the local time at which the agent first observed a committed release other
 * than its current one (local clock only: no cross-machine clock comparison). With policy {@link
 * ZkLossPolicy#SERVE} an agent that lost ZooKeeper stays ready on its last committed release.
 *
 * <p>Thread-safe: observations and {@link #check()} may come from any thread.
 */
public final class Readiness {
  /** The outcome of {@link #check()}, with a reason a human can act on. */
  public record Verdict(boolean ready, String reason) {}

  private final Duration grace;
  private final ZkLossPolicy policy;
  private final Clock clock;

  private String committed;
  private boolean excluded;
  private String current;
  private boolean reachedCommitted;
  private long behindSince = -1;
  private boolean zkConnected;
  private long zkLostAt;

  /**
   * @param grace G: how long the agent may be behind (and, with STRICT, without ZooKeeper)
   */
  public Readiness(Duration grace, ZkLossPolicy policy, Clock clock) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("readiness grace must not be negative, got " + grace);
    }
    this.grace = grace;
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.zkLostAt = clock.millis();
  }

  public Duration grace() {
    return grace;
  }

  public ZkLossPolicy policy() {
    return policy;
  }

  /**
   * The committed release as read from ZooKeeper, and whether the rollout that committed it
   * excluded this agent.
   */
  public synchronized void observeCommitted(String releaseId, boolean excludedHere) {
    Objects.requireNonNull(releaseId, "releaseId");
    if (!releaseId.equals(committed)) {
      committed = releaseId;
      behindSince = -1;
    }
    excluded = excludedHere;
    update();
  }

  /** The release {@code current} points to now (null if none yet). */
  public synchronized void observeCurrent(String releaseId) {
    current = releaseId;
    update();
  }

  public synchronized void zkConnected() {
    zkConnected = true;
  }

  public synchronized void zkDisconnected() {
    if (zkConnected) {
      zkConnected = false;
      zkLostAt = clock.millis();
    }
  }

  public synchronized boolean isZkConnected() {
    return zkConnected;
  }

  /** Milliseconds this agent has been behind the committed release (0 when on it or unknown). */
  public synchronized long behindMillis() {
    return behindSince < 0 ? 0 : Math.max(0, clock.millis() - behindSince);
  }

  /** The last committed release observed, or null. */
  public synchronized String committed() {
    return committed;
  }

  private void update() {
    if (committed == null) {
      return;
    }
    if (committed.equals(current)) {
      reachedCommitted = true;
      behindSince = -1;
      excluded = false;
    } else if (behindSince < 0) {
      behindSince = clock.millis();
    }
  }

  /** Evaluates every rule now. */
  public synchronized Verdict check() {
    long now = clock.millis();
    if (committed == null) {
      return notReady(zkConnected
          ? "no release has been committed yet"
          : "ZooKeeper has not been reached yet, so the committed release is unknown");
    }
    if (!reachedCommitted) {
      return notReady(String.format("has not reached the committed release %s yet (current: %s)",
          committed, current == null ? "none" : current));
    }
    if (!zkConnected && policy == ZkLossPolicy.STRICT && now - zkLostAt > grace.toMillis()) {
      return notReady(String.format(
          "ZooKeeper unreachable for %d ms (> grace %d ms) and --zk-loss-policy=strict",
          now - zkLostAt, grace.toMillis()));
    }
    if (excluded) {
      return notReady(String.format("excluded from the commit of %s and not caught up (current: %s)",
          committed, current == null ? "none" : current));
    }
    if (behindSince >= 0 && now - behindSince > grace.toMillis()) {
      return notReady(String.format("behind the committed release %s for %d ms (> grace %d ms; current: %s)",
          committed, now - behindSince, grace.toMillis(), current));
    }
    if (!zkConnected) {
      return new Verdict(true, String.format(
          "ZooKeeper unreachable for %d ms; serving the last committed release %s (--zk-loss-policy=%s)",
          now - zkLostAt, committed, policy.flagValue()));
    }
    if (behindSince >= 0) {
      return new Verdict(true, String.format("switching to %s (behind %d ms, within grace %d ms)",
          committed, now - behindSince, grace.toMillis()));
    }
    return new Verdict(true, "on the committed release " + committed);
  }

  private static Verdict notReady(String reason) {
    return new Verdict(false, reason);
  }
}
