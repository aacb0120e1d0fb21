package io.wpsync.agent.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  private static final Duration G = Duration.ofSeconds(30);

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    long millis = 1_000_000;

    void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private final ManualClock clock = new ManualClock();

  private Readiness connected(ZkLossPolicy policy) {
    Readiness r = new Readiness(G, policy, clock);
    r.zkConnected();
    return r;
  }

  private Readiness inSync(ZkLossPolicy policy) {
    Readiness r = connected(policy);
    r.observeCommitted("r1", false);
    r.observeCurrent("r1");
    return r;
  }

  @Test
  void notReadyBeforeZooKeeperAnswers() {
    Readiness r = new Readiness(G, ZkLossPolicy.SERVE, clock);
    r.observeCurrent("r1"); // a release left on disk by a previous run proves nothing
    assertThat(r.check().ready()).isFalse();
    assertThat(r.check().reason()).contains("committed release is unknown");
  }

  @Test
  void notReadyWhileNothingWasEverCommitted() {
    Readiness r = connected(ZkLossPolicy.SERVE);
    assertThat(r.check().ready()).isFalse();
    assertThat(r.check().reason()).contains("no release has been committed");
  }

  @Test
  void newAgentIsNotReadyUntilItReachesTheCommittedRelease() {
    Readiness r = connected(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", false);
    r.observeCurrent("r1");
    clock.advance(Duration.ofMillis(1)); // well within G: still not ready, it never reached r2
    assertThat(r.check()).isEqualTo(new Readiness.Verdict(false,
        "has not reached the committed release r2 yet (current: r1)"));
    r.observeCurrent("r2");
    assertThat(r.check().ready()).isTrue();
    assertThat(r.check().reason()).isEqualTo("on the committed release r2");
  }

  @Test
  void newAgentWithoutAnyReleaseSaysNone() {
    Readiness r = connected(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", false);
    assertThat(r.check().reason()).contains("current: none");
  }

  @Test
  void behindWithinGraceStaysReady() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", false);
    clock.advance(G); // exactly G: not longer than G
    Readiness.Verdict v = r.check();
    assertThat(v.ready()).isTrue();
    assertThat(v.reason()).contains("switching to r2");
    assertThat(r.behindMillis()).isEqualTo(G.toMillis());
  }

  @Test
  void behindLongerThanGraceIsNotReady() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", false);
    clock.advance(G.plusMillis(1));
    Readiness.Verdict v = r.check();
    assertThat(v.ready()).isFalse();
    assertThat(v.reason()).contains("behind the committed release r2 for 30001 ms");
    r.observeCurrent("r2");
    assertThat(r.check().ready()).isTrue();
    assertThat(r.behindMillis()).isZero();
  }

  @Test
  void behindClockStartsWhenTheNewCommitIsObservedNotAtTheFirstCommit() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    clock.advance(Duration.ofHours(1));
    r.observeCommitted("r2", false);
    clock.advance(Duration.ofSeconds(29));
    assertThat(r.check().ready()).isTrue();
    // observing the same commit again does not restart the clock
    r.observeCommitted("r2", false);
    clock.advance(Duration.ofSeconds(2));
    assertThat(r.check().ready()).isFalse();
  }

  @Test
  void excludedAgentIsNotReadyAtOnceUntilCaughtUp() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", true);
    Readiness.Verdict v = r.check();
    assertThat(v.ready()).isFalse();
    assertThat(v.reason()).isEqualTo("excluded from the commit of r2 and not caught up (current: r1)");
    r.observeCurrent("r2");
    assertThat(r.check().ready()).isTrue();
    // the exclusion is over once caught up, even if observed again later
    r.observeCommitted("r2", false);
    assertThat(r.check().ready()).isTrue();
  }

  @Test
  void servePolicyStaysReadyWithoutZooKeeper() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    r.zkDisconnected();
    clock.advance(Duration.ofHours(2));
    Readiness.Verdict v = r.check();
    assertThat(v.ready()).isTrue();
    assertThat(v.reason()).contains("serving the last committed release r1").contains("serve");
    assertThat(r.isZkConnected()).isFalse();
  }

  @Test
  void servePolicyStillAppliesTheBehindRuleToWhatItLastSaw() {
    Readiness r = inSync(ZkLossPolicy.SERVE);
    r.observeCommitted("r2", false);
    r.zkDisconnected();
    clock.advance(G.plusSeconds(1));
    assertThat(r.check().ready()).isFalse();
  }

  @Test
  void strictPolicyTurnsNotReadyAfterTheGrace() {
    Readiness r = inSync(ZkLossPolicy.STRICT);
    r.zkDisconnected();
    clock.advance(G);
    assertThat(r.check().ready()).isTrue();
    clock.advance(Duration.ofMillis(1));
    Readiness.Verdict v = r.check();
    assertThat(v.ready()).isFalse();
    assertThat(v.reason()).contains("ZooKeeper unreachable for 30001 ms").contains("strict");
    r.zkConnected();
    assertThat(r.check().ready()).isTrue();
  }

  @Test
  void strictGraceCountsFromTheFirstDisconnect() {
    Readiness r = inSync(ZkLossPolicy.STRICT);
    r.zkDisconnected();
    clock.advance(Duration.ofSeconds(20));
    r.zkDisconnected(); // a second SUSPENDED/LOST while still down
    clock.advance(Duration.ofSeconds(11));
    assertThat(r.check().ready()).isFalse();
  }

  @Test
  void rejectsNegativeGraceAndBadPolicy() {
    assertThatThrownBy(() -> new Readiness(Duration.ofSeconds(-1), ZkLossPolicy.SERVE, clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> ZkLossPolicy.parse("lenient"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serve or strict");
    assertThat(ZkLossPolicy.parse(" Strict ")).isEqualTo(ZkLossPolicy.STRICT);
  }
}
