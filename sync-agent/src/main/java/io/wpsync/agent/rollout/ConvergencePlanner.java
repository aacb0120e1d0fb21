package io.wpsync.agent.rollout;

import io.wpsync.core.cluster.RolloutState;
import java.util.Objects;

/**
 * Decides the next thing an agent does to converge, from a {@link ClusterSnapshot} alone (no
 * ZooKeeper, no disk): the agent side of the two-phase rollout as a pure function.
 *
 * <p>Priorities, highest first:
 * <ol>
 *   <li>{@code /committed} names a release other than {@code current}: {@link Step.Converge} to it
 *       (switch if staged, else stage first: catch-up). Converging to the decision always wins.</li>
 *   <li>an active rollout in PREPARING lists this agent as a participant, it has not reported on
 *       it and the deadline has not passed: {@link Step.Prepare}. An agent that joined after the
 *       rollout started is not a participant and never prepares it.</li>
 *   <li>a staged release that is neither current nor the active rollout's target, whose rollout
 *       is final (ABORTED, or committed to something else) or unknown: {@link Step.Discard}.</li>
 *   <li>otherwise {@link Step.Idle}.</li>
 * </ol>
 */
public final class ConvergencePlanner {
  /** One action of the convergence loop. */
  public sealed interface Step {
    /** Make {@code current} point to the committed release (staging it first if needed). */
    record Converge(String releaseId, String manifestId, String rolloutId, boolean staged) implements Step {}

    /** Stage the target of the rollout and report PREPARED or FAILED. */
    record Prepare(String rolloutId, String releaseId, String manifestId, long deadline) implements Step {}

    /** Unpin a staged release that will not become current. */
    record Discard(String releaseId, String reason) implements Step {}

    /** Nothing to do. */
    record Idle() implements Step {}
  }

  private ConvergencePlanner() {}

  public static Step plan(ClusterSnapshot s) {
    Objects.requireNonNull(s, "snapshot");
    if (s.committed() != null && !s.committed().releaseId().equals(s.current())) {
      String id = s.committed().releaseId();
      return new Step.Converge(id, s.committed().manifestId(), s.committed().rolloutId(), id.equals(s.staged()));
    }
    var active = s.active();
    if (active != null
        && active.state() == RolloutState.PREPARING
        && active.participants().contains(s.self())
        && s.myActiveReport() == null
        && s.now() < active.deadline()) {
      return new Step.Prepare(active.id(), active.target(), active.targetManifestId(), active.deadline());
    }
    String staged = s.staged();
    if (staged != null && !staged.equals(s.current())
        && !(active != null && active.state() == RolloutState.PREPARING && staged.equals(active.target()))) {
      var r = s.stagedRollout();
      if (r == null) {
        return new Step.Discard(staged, "its rollout record is gone and it was not committed");
      }
      if (r.state().isFinal()) {
        return new Step.Discard(staged, r.state() == RolloutState.ABORTED
            ? "rollout " + r.id() + " aborted" + (r.reason() == null ? "" : ": " + r.reason())
            : "rollout " + r.id() + " ended " + r.state() + " and another release is committed");
      }
    }
    return new Step.Idle();
  }
}
