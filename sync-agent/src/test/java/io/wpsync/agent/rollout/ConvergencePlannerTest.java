package io.wpsync.agent.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.wpsync.agent.rollout.ConvergencePlanner.Step;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConvergencePlannerTest {
  private static final long NOW = 10_000;

  private static CommittedRelease committed(String release, String rollout) {
    return new CommittedRelease(release, "sha256:m-" + release, rollout, 1, NOW - 100);
  }

  private static RolloutInfo rollout(String id, String target, RolloutState state, List<String> participants,
      List<String> excluded) {
    return new RolloutInfo(id, target, "sha256:m-" + target, "r1", false, participants, FailurePolicy.abort(),
        NOW - 1000, NOW + 60_000, state, state == RolloutState.ABORTED ? "a failed: disk full" : null,
        excluded, 0, 1);
  }

  private static ClusterSnapshot snap(CommittedRelease c, RolloutInfo committedRollout, RolloutInfo active,
      AgentReport mine, String current, String staged, RolloutInfo stagedRollout) {
    return new ClusterSnapshot("a", c, committedRollout, active, mine, current, staged, stagedRollout, NOW);
  }

  @Test
  void idleWhenOnTheCommittedReleaseAndNoRollout() {
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, null, null, "r1", null, null)))
        .isEqualTo(new Step.Idle());
  }

  @Test
  void idleWhenNothingWasEverCommitted() {
    assertThat(ConvergencePlanner.plan(snap(null, null, null, null, null, null, null))).isInstanceOf(Step.Idle.class);
  }

  @Test
  void switchesToTheCommittedReleaseWhenStaged() {
    var ro = rollout("ro2", "r2", RolloutState.COMMITTED, List.of("a"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r2", "ro2"), ro, null, null, "r1", "r2", ro)))
        .isEqualTo(new Step.Converge("r2", "sha256:m-r2", "ro2", true));
  }

  @Test
  void catchesUpWhenTheCommittedReleaseIsNotStaged() {
    assertThat(ConvergencePlanner.plan(snap(committed("r2", "ro2"), null, null, null, null, null, null)))
        .isEqualTo(new Step.Converge("r2", "sha256:m-r2", "ro2", false));
  }

  @Test
  void convergingWinsOverPreparingAnActiveRollout() {
    var active = rollout("ro3", "r3", RolloutState.PREPARING, List.of("a"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r2", "ro2"), null, active, null, "r1", null, null)))
        .isInstanceOf(Step.Converge.class);
  }

  @Test
  void participantWithoutReportPrepares() {
    var active = rollout("ro2", "r2", RolloutState.PREPARING, List.of("a", "b"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, active, null, "r1", null, null)))
        .isEqualTo(new Step.Prepare("ro2", "r2", "sha256:m-r2", NOW + 60_000));
  }

  @Test
  void agentThatJoinedMidRolloutIsNotAParticipant() {
    var active = rollout("ro2", "r2", RolloutState.PREPARING, List.of("b", "c"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, active, null, "r1", null, null)))
        .isInstanceOf(Step.Idle.class);
  }

  @Test
  void aReportedParticipantWaitsForTheDecision() {
    var active = rollout("ro2", "r2", RolloutState.PREPARING, List.of("a"), List.of());
    var report = new AgentReport("a", AgentReport.State.PREPARED, null, NOW - 5, 10);
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, active, report, "r1", "r2", active)))
        .isInstanceOf(Step.Idle.class);
  }

  @Test
  void noPrepareAfterTheDeadline() {
    var late = new RolloutInfo("ro2", "r2", "sha256:m-r2", "r1", false, List.of("a"), FailurePolicy.abort(),
        0, NOW, RolloutState.PREPARING, null, List.of(), 0, 1);
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, late, null, "r1", null, null)))
        .isInstanceOf(Step.Idle.class);
  }

  @Test
  void firstRolloutOfAnEmptyClusterPrepares() {
    var active = rollout("ro1", "r1", RolloutState.PREPARING, List.of("a"), List.of());
    assertThat(ConvergencePlanner.plan(snap(null, null, active, null, null, null, null)))
        .isInstanceOf(Step.Prepare.class);
  }

  @Test
  void abortedRolloutDiscardsTheStagedRelease() {
    var aborted = rollout("ro2", "r2", RolloutState.ABORTED, List.of("a", "b"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, null, null, "r1", "r2", aborted)))
        .isEqualTo(new Step.Discard("r2", "rollout ro2 aborted: a failed: disk full"));
  }

  @Test
  void stagedReleaseIsKeptWhileItsRolloutIsActive() {
    var active = rollout("ro2", "r2", RolloutState.PREPARING, List.of("a"), List.of());
    var report = new AgentReport("a", AgentReport.State.PREPARED, null, NOW - 5, 10);
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, active, report, "r1", "r2", active)))
        .isInstanceOf(Step.Idle.class);
  }

  @Test
  void stagedReleaseIsKeptWhenANewRolloutTargetsItAgain() {
    var aborted = rollout("ro2", "r2", RolloutState.ABORTED, List.of("a"), List.of());
    var again = rollout("ro3", "r2", RolloutState.PREPARING, List.of("a"), List.of());
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, again, null, "r1", "r2", aborted)))
        .isEqualTo(new Step.Prepare("ro3", "r2", "sha256:m-r2", NOW + 60_000));
  }

  @Test
  void stagedReleaseOfAnUnknownRolloutIsDiscarded() {
    assertThat(ConvergencePlanner.plan(snap(committed("r1", "ro1"), null, null, null, "r1", "r2", null)))
        .isInstanceOf(Step.Discard.class);
  }

  @Test
  void excludedAgentCatchesUpAndKnowsItWasExcluded() {
    var ro = rollout("ro2", "r2", RolloutState.COMMITTED, List.of("a", "b"), List.of("a"));
    ClusterSnapshot s = snap(committed("r2", "ro2"), ro, null, null, "r1", null, null);
    assertThat(s.excludedFromCommit()).isTrue();
    assertThat(ConvergencePlanner.plan(s)).isEqualTo(new Step.Converge("r2", "sha256:m-r2", "ro2", false));
  }
}
