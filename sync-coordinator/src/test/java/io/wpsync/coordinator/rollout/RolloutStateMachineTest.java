package io.wpsync.coordinator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.coordinator.rollout.RolloutStateMachine.Decision;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.RolloutInfo;
import io.wpsync.core.cluster.RolloutState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RolloutStateMachineTest {
  private static final long CREATED = 1_000_000L;
  private static final long DEADLINE = CREATED + 300_000L;
  private static final long BEFORE = DEADLINE - 1;

  static RolloutInfo rollout(FailurePolicy policy, String... participants) {
    return new RolloutInfo("ro-20260101-000000-abcd", "r0000000002", "sha256:" + "a".repeat(64),
        "r0000000001", false, List.of(participants), policy, CREATED, DEADLINE,
        RolloutState.PREPARING, null, List.of(), 0, 1);
  }

  static AgentReport prepared(String agent) {
    return new AgentReport(agent, AgentReport.State.PREPARED, null, CREATED + 10, 100);
  }

  static AgentReport failed(String agent, String reason) {
    return new AgentReport(agent, AgentReport.State.FAILED, reason, CREATED + 10, 0);
  }

  static Map<String, AgentReport> reports(AgentReport... rs) {
    Map<String, AgentReport> m = new HashMap<>();
    for (AgentReport r : rs) {
      m.put(r.agentId(), r);
    }
    return m;
  }

  static Decision eval(RolloutInfo r, Set<String> live, Map<String, AgentReport> reps, long now) {
    return RolloutStateMachine.evaluate(r, live, reps, now);
  }

  @Nested
  class AbortPolicy {
    final RolloutInfo r = rollout(FailurePolicy.abort(), "a", "b", "c");

    @Test
    void allPreparedCommitsWithNobodyExcluded() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("a"), prepared("b"), prepared("c")), BEFORE);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void someStillPreparingWaitsUntilTheDeadline() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("a")), CREATED + 5);
      assertThat(d).isEqualTo(new Decision.Wait(DEADLINE));
    }

    @Test
    void noReportsYetWaits() {
      assertThat(eval(r, Set.of("a", "b", "c"), Map.of(), CREATED)).isEqualTo(new Decision.Wait(DEADLINE));
    }

    @Test
    void oneFailedAbortsAtOnceNamingTheAgentAndItsReason() {
      Decision d = eval(r, Set.of("a", "b", "c"),
          reports(prepared("a"), failed("b", "disk full: 0 bytes free on /data")), CREATED + 5);
      assertThat(d).isInstanceOf(Decision.Abort.class);
      assertThat(((Decision.Abort) d).reason()).isEqualTo("agent b failed: disk full: 0 bytes free on /data");
    }

    @Test
    void failureWinsEvenWhenEveryoneElsePrepared() {
      Decision d = eval(r, Set.of("a", "b", "c"),
          reports(prepared("a"), prepared("b"), failed("c", "verify sha256:ab: got cd")), BEFORE);
      assertThat(((Decision.Abort) d).reason()).contains("agent c failed: verify sha256:ab: got cd");
    }

    @Test
    void severalFailuresAreAllNamedInOrder() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(failed("c", "x"), failed("a", "y")), CREATED);
      assertThat(((Decision.Abort) d).reason()).isEqualTo("agent a failed: y; agent c failed: x");
    }

    @Test
    void failureWithoutReasonSaysSo() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(failed("a", " ")), CREATED);
      assertThat(((Decision.Abort) d).reason()).isEqualTo("agent a failed: no reason given");
    }

    @Test
    void deadlinePassedAbortsNamingWhoIsNotPrepared() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("b")), DEADLINE);
      assertThat(d).isEqualTo(new Decision.Abort("deadline passed; not prepared: a, c"));
    }

    @Test
    void allPreparedAfterTheDeadlineStillCommits() {
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("a"), prepared("b"), prepared("c")), DEADLINE + 60_000);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void deadParticipantIsDropped() {
      // c died during prepare: a and b are enough
      Decision d = eval(r, Set.of("a", "b"), reports(prepared("a"), prepared("b")), CREATED + 5);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void deadParticipantsFailureNoLongerCounts() {
      Decision d = eval(r, Set.of("a", "b"), reports(prepared("a"), prepared("b"), failed("c", "boom")), CREATED + 5);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void deadParticipantIsNotNamedAtTheDeadline() {
      Decision d = eval(r, Set.of("a", "b"), reports(prepared("a")), DEADLINE);
      assertThat(d).isEqualTo(new Decision.Abort("deadline passed; not prepared: b"));
    }

    @Test
    void agentThatJoinedLaterIsNotAParticipant() {
      Decision d = eval(r, Set.of("a", "b", "c", "late"),
          reports(prepared("a"), prepared("b"), prepared("c"), failed("late", "x")), CREATED);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void switchedCountsAsPrepared() {
      AgentReport sw = new AgentReport("c", AgentReport.State.SWITCHED, null, CREATED + 20, 0);
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("a"), prepared("b"), sw), CREATED);
      assertThat(d).isEqualTo(new Decision.Commit(List.of()));
    }

    @Test
    void nullPolicyMeansAbort() {
      RolloutInfo noPolicy = rollout(null, "a", "b");
      assertThat(eval(noPolicy, Set.of("a", "b"), reports(failed("a", "x")), CREATED))
          .isInstanceOf(Decision.Abort.class);
    }

    @Test
    void longListsOfNamesAreCut() {
      String[] many = IntStream.range(0, 25).mapToObj(i -> String.format("n%02d", i)).toArray(String[]::new);
      RolloutInfo big = rollout(FailurePolicy.abort(), many);
      Decision d = eval(big, Set.of(many), Map.of(), DEADLINE);
      assertThat(((Decision.Abort) d).reason())
          .startsWith("deadline passed; not prepared: n00, n01")
          .endsWith("n09, and 15 more");
    }
  }

  @Nested
  class ZeroParticipants {
    @Test
    void commitsAtOnceUnderEitherPolicy() {
      for (FailurePolicy p : List.of(FailurePolicy.abort(), FailurePolicy.exclude(0.05))) {
        assertThat(eval(rollout(p), Set.of("x"), Map.of(), CREATED)).isEqualTo(new Decision.Commit(List.of()));
        assertThat(eval(rollout(p), Set.of(), Map.of(), DEADLINE + 1)).isEqualTo(new Decision.Commit(List.of()));
      }
    }

    @Test
    void everyParticipantDeadCommitsAndTheyCatchUpOnRestart() {
      for (FailurePolicy p : List.of(FailurePolicy.abort(), FailurePolicy.exclude(0.5))) {
        assertThat(eval(rollout(p, "a", "b"), Set.of(), Map.of(), CREATED)).isEqualTo(new Decision.Commit(List.of()));
      }
    }
  }

  @Nested
  class ExcludePolicy {
    final String[] twenty = IntStream.range(0, 20).mapToObj(i -> String.format("a%02d", i)).toArray(String[]::new);
    final Set<String> all = Set.of(twenty);

    Map<String, AgentReport> allPreparedBut(String... others) {
      Set<String> skip = Set.of(others);
      Map<String, AgentReport> m = new HashMap<>();
      for (String a : twenty) {
        if (!skip.contains(a)) {
          m.put(a, prepared(a));
        }
      }
      return m;
    }

    @Test
    void failureWithinTheShareCommitsWithoutTheFailedAgent() {
      // 5% of 20 = 1 agent may be left out
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), twenty);
      Map<String, AgentReport> reps = allPreparedBut("a07");
      reps.put("a07", failed("a07", "disk full"));
      assertThat(eval(r, all, reps, CREATED + 5)).isEqualTo(new Decision.Commit(List.of("a07")));
    }

    @Test
    void failureOverTheShareAborts() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), twenty);
      Map<String, AgentReport> reps = allPreparedBut("a07", "a11");
      reps.put("a07", failed("a07", "disk full"));
      reps.put("a11", failed("a11", "verify failed"));
      Decision d = eval(r, all, reps, CREATED + 5);
      assertThat(((Decision.Abort) d).reason())
          .contains("2 of 20 participants would be excluded, at most 1 allowed")
          .contains("agent a07 failed: disk full")
          .contains("agent a11 failed: verify failed");
    }

    @Test
    void waitsWhileSomeoneIsStillPreparingEvenIfOthersFailed() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), twenty);
      Map<String, AgentReport> reps = allPreparedBut("a07", "a08");
      reps.put("a07", failed("a07", "disk full"));
      assertThat(eval(r, all, reps, CREATED + 5)).isEqualTo(new Decision.Wait(DEADLINE));
    }

    @Test
    void atTheDeadlineNotPreparedCountAsExcluded() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.10), twenty);
      Map<String, AgentReport> reps = allPreparedBut("a07", "a08");
      reps.put("a07", failed("a07", "disk full"));
      // a08 never answered; 2 <= floor(0.1 * 20) = 2
      assertThat(eval(r, all, reps, DEADLINE)).isEqualTo(new Decision.Commit(List.of("a07", "a08")));
    }

    @Test
    void atTheDeadlineTooManyNotPreparedAborts() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), twenty);
      Decision d = eval(r, all, allPreparedBut("a01", "a02"), DEADLINE);
      assertThat(((Decision.Abort) d).reason())
          .contains("2 of 20 participants would be excluded, at most 1 allowed")
          .contains("not prepared by the deadline: a01, a02");
    }

    @Test
    void shareIsRoundedDown() {
      // floor(0.05 * 10) = 0: not even one may fail
      String[] ten = IntStream.range(0, 10).mapToObj(i -> "b" + i).toArray(String[]::new);
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), ten);
      Map<String, AgentReport> reps = new HashMap<>();
      for (String a : ten) {
        reps.put(a, prepared(a));
      }
      reps.put("b3", failed("b3", "x"));
      assertThat(eval(r, Set.of(ten), reps, CREATED)).isInstanceOf(Decision.Abort.class);
    }

    @Test
    void noneHavingPreparedAbortsEvenWithinTheShare() {
      RolloutInfo r = rollout(FailurePolicy.exclude(1.0), "a", "b");
      Decision d = eval(r, Set.of("a", "b"), reports(failed("a", "x"), failed("b", "y")), CREATED);
      assertThat(((Decision.Abort) d).reason())
          .startsWith("exclude policy: no participant prepared")
          .contains("agent a failed: x; agent b failed: y");
    }

    @Test
    void noneHavingPreparedAtTheDeadlineAborts() {
      RolloutInfo r = rollout(FailurePolicy.exclude(1.0), "a", "b");
      Decision d = eval(r, Set.of("a", "b"), Map.of(), DEADLINE);
      assertThat(((Decision.Abort) d).reason())
          .isEqualTo("exclude policy: no participant prepared; not prepared by the deadline: a, b");
    }

    @Test
    void shareIsMeasuredAgainstAllParticipantsAndDeadOnesAreNotExcluded() {
      // 4 participants, share 0.25 -> 1 may be left out; d died (dropped, not excluded), c failed
      RolloutInfo r = rollout(FailurePolicy.exclude(0.25), "a", "b", "c", "d");
      Decision d = eval(r, Set.of("a", "b", "c"), reports(prepared("a"), prepared("b"), failed("c", "x")), CREATED);
      assertThat(d).isEqualTo(new Decision.Commit(List.of("c")));
    }

    @Test
    void allPreparedCommitsBeforeTheDeadline() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.05), twenty);
      assertThat(eval(r, all, allPreparedBut(), CREATED)).isEqualTo(new Decision.Commit(List.of()));
    }
  }

  @Nested
  class FinalStates {
    @Test
    void committedAndAbortedRecordsAreLeftAlone() {
      for (RolloutState s : List.of(RolloutState.COMMITTED, RolloutState.ABORTED)) {
        RolloutInfo r = rollout(FailurePolicy.abort(), "a", "b").decided(s, "done", List.of(), CREATED + 1, 1);
        assertThat(eval(r, Set.of("a", "b"), reports(failed("a", "x")), DEADLINE + 1))
            .isEqualTo(new Decision.Settled());
        assertThat(eval(r, Set.of(), Map.of(), CREATED)).isEqualTo(new Decision.Settled());
      }
    }
  }

  @Nested
  class Determinism {
    @Test
    void sameInputsGiveTheSameDecisionWhateverTheMapOrder() {
      RolloutInfo r = rollout(FailurePolicy.exclude(0.5), "a", "b", "c", "d");
      Map<String, AgentReport> reps = reports(prepared("a"), failed("d", "x"), prepared("c"), failed("b", "y"));
      Decision first = eval(r, Set.of("a", "b", "c", "d"), reps, CREATED);
      Map<String, AgentReport> reordered = reps.entrySet().stream()
          .sorted(Map.Entry.<String, AgentReport>comparingByKey().reversed())
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (x, y) -> x, java.util.LinkedHashMap::new));
      assertThat(eval(r, Set.of("d", "c", "b", "a"), reordered, CREATED)).isEqualTo(first)
          .isEqualTo(new Decision.Commit(List.of("b", "d")));
    }

    @Test
    void nullArgumentsAreBugs() {
      RolloutInfo r = rollout(FailurePolicy.abort(), "a");
      assertThatThrownBy(() -> eval(null, Set.of(), Map.of(), 0)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> eval(r, null, Map.of(), 0)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> eval(r, Set.of(), null, 0)).isInstanceOf(NullPointerException.class);
    }
  }
}
