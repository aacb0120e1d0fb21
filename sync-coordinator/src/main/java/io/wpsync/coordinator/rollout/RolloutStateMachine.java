package io.wpsync.coordinator.rollout;

import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.RolloutInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure decision of a two-phase rollout: given the rollout record, the live agents, the agents'
 * reports and the time, what the leader must do now. No ZooKeeper, no clock, no I/O: the same
 * inputs always give the same {@link Decision}, so a new leader that reads the same ZooKeeper state
 * decides the same thing.
 *
 * <pre>{@code
 * Decision d = RolloutStateMachine.evaluate(rollout, liveAgents, reports, clock.millis());
 * if (d instanceof Decision.Wait w) {
 *   scheduleAt(w.untilMillis());
 * } else if (d instanceof Decision.Commit c) {
 *   commitTransaction(c.excluded());
 * } else if (d instanceof Decision.Abort a) {
 *   abortTransaction(a.reason());
 * } // Decision.Settled: already COMMITTED or ABORTED, nothing to do
 * }</pre>
 *
 * <p>Rules (the rollout design):
 * <ul>
 *   <li>alive = participants ∩ live agents: a participant that died is dropped (it catches up on
 *       restart, before it reports ready). Reports from agents that are not alive participants are
 *       ignored. A SWITCHED report counts as prepared.
 *   <li>No alive participant (zero participants, or every participant died): Commit([]).
 *   <li>ABORT policy: any alive FAILED → Abort naming every failed agent and its reason; all alive
 *       prepared → Commit([]); now ≥ deadline → Abort naming who is not prepared; else
 *       Wait(deadline).
 *   <li>EXCLUDE policy: all alive prepared → Commit([]). Once every alive participant is prepared
 *       or failed, or the deadline passed: excluded = failed ∪ not prepared; if excluded.size() ≤
 *       floor(maxExcludedShare × participants.size()) and at least one alive participant is
 *       prepared → Commit(excluded), else Abort with the reason. Otherwise Wait(deadline).
 *   <li>A rollout already COMMITTED or ABORTED → {@link Decision.Settled}: nothing to do.
 * </ul>
 */
public final class RolloutStateMachine {
  /** How many agents a reason names before it says "and N more". */
  static final int MAX_NAMED = 10;

  private RolloutStateMachine() {}

  /** What the leader must do with a rollout now. */
  public sealed interface Decision {
    /** Nothing decided yet: evaluate again on any change, or at {@code untilMillis} at the latest. */
    record Wait(long untilMillis) implements Decision {}

    /** Commit the target; {@code excluded} (sorted) are alive participants left out (EXCLUDE policy). */
    record Commit(List<String> excluded) implements Decision {
      public Commit {
        excluded = List.copyOf(excluded);
      }
    }

    /** Abort the rollout: nothing switches. {@code reason} is meant for a human. */
    record Abort(String reason) implements Decision {
      public Abort {
        Objects.requireNonNull(reason, "reason");
      }
    }

    /** The rollout is already COMMITTED or ABORTED; its record is final and is left alone. */
    record Settled() implements Decision {}
  }

  /**
   * Decides what to do with {@code rollout}.
   *
   * @param liveAgents ids of the agents registered in {@code /agents} now
   * @param reports agent id → that agent's report on this rollout
   * @param now the leader's clock, epoch millis
   */
  public static Decision evaluate(
      RolloutInfo rollout, Set<String> liveAgents, Map<String, AgentReport> reports, long now) {
    Objects.requireNonNull(rollout, "rollout");
    Objects.requireNonNull(liveAgents, "liveAgents");
    Objects.requireNonNull(reports, "reports");
    if (rollout.state().isFinal()) {
      return new Decision.Settled();
    }
    Tally t = Tally.of(rollout.participants(), liveAgents, reports);
    if (t.alive.isEmpty() || t.prepared.size() == t.alive.size()) {
      return new Decision.Commit(List.of());
    }
    FailurePolicy policy = rollout.policy() == null ? FailurePolicy.abort() : rollout.policy();
    boolean deadlinePassed = now >= rollout.deadline();
    return switch (policy.mode()) {
      case ABORT -> decideAbortPolicy(rollout, t, deadlinePassed);
      case EXCLUDE -> decideExcludePolicy(rollout, policy, t, deadlinePassed);
    };
  }

  private static Decision decideAbortPolicy(RolloutInfo r, Tally t, boolean deadlinePassed) {
    if (!t.failed.isEmpty()) {
      return new Decision.Abort(t.failureText());
    }
    if (deadlinePassed) {
      return new Decision.Abort("deadline passed; not prepared: " + names(t.pending()));
    }
    return new Decision.Wait(r.deadline());
  }

  private static Decision decideExcludePolicy(
      RolloutInfo r, FailurePolicy policy, Tally t, boolean deadlinePassed) {
    TreeSet<String> pending = t.pending();
    if (!pending.isEmpty() && !deadlinePassed) {
      return new Decision.Wait(r.deadline());
    }
    TreeSet<String> excluded = new TreeSet<>(t.failed.keySet());
    excluded.addAll(pending);
    int participants = r.participants().size();
    int allowed = (int) Math.floor(policy.maxExcludedShare() * participants);
    if (t.prepared.isEmpty()) {
      return new Decision.Abort("exclude policy: no participant prepared; " + describe(t, pending));
    }
    if (excluded.size() > allowed) {
      return new Decision.Abort(String.format(
          "exclude policy: %d of %d participants would be excluded, at most %d allowed (max share %s); %s",
          excluded.size(), participants, allowed, policy.maxExcludedShare(), describe(t, pending)));
    }
    return new Decision.Commit(List.copyOf(excluded));
  }

  private static String describe(Tally t, TreeSet<String> pending) {
    List<String> parts = new ArrayList<>();
    if (!t.failed.isEmpty()) {
      parts.add(t.failureText());
    }
    if (!pending.isEmpty()) {
      parts.add("not prepared by the deadline: " + names(pending));
    }
    return String.join("; ", parts);
  }

  static String names(Set<String> ids) {
    List<String> named = new ArrayList<>();
    int i = 0;
    for (String id : ids) {
      if (i++ == MAX_NAMED) {
        named.add("and " + (ids.size() - MAX_NAMED) + " more");
        break;
      }
      named.add(id);
    }
    return String.join(", ", named);
  }

  /** The alive participants sorted into prepared, failed and pending. */
  private static final class Tally {
    final TreeSet<String> alive = new TreeSet<>();
    final TreeSet<String> prepared = new TreeSet<>();
    final java.util.TreeMap<String, String> failed = new java.util.TreeMap<>();

    static Tally of(List<String> participants, Set<String> live, Map<String, AgentReport> reports) {
      Tally t = new Tally();
      for (String p : participants) {
        if (!live.contains(p)) {
          continue;
        }
        t.alive.add(p);
        AgentReport rep = reports.get(p);
        if (rep == null || rep.state() == null) {
          continue;
        }
        switch (rep.state()) {
          case PREPARED, SWITCHED -> t.prepared.add(p);
          case FAILED -> t.failed.put(p, rep.reason() == null || rep.reason().isBlank()
              ? "no reason given" : rep.reason());
        }
      }
      return t;
    }

    TreeSet<String> pending() {
      TreeSet<String> out = new TreeSet<>(alive);
      out.removeAll(prepared);
      out.removeAll(failed.keySet());
      return out;
    }

    String failureText() {
      List<String> parts = new ArrayList<>();
      int i = 0;
      for (Map.Entry<String, String> e : failed.entrySet()) {
        if (i++ == MAX_NAMED) {
          parts.add("and " + (failed.size() - MAX_NAMED) + " more failed");
          break;
        }
        parts.add("agent " + e.getKey() + " failed: " + e.getValue());
      }
      return String.join("; ", parts);
    }
  }
}
