package io.wpsync.coordinator.rollout;

import io.wpsync.core.cluster.FailurePolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * What to roll out and how.
 *
 * @param release target release id
 * @param deadline how long agents have to prepare; null for the coordinator's default
 * @param policy what failures do; null for ABORT
 * @param rollback true when this returns to an earlier release (recorded, shown in status)
 */
public record RolloutRequest(String release, Duration deadline, FailurePolicy policy, boolean rollback) {
  /** Shortest accepted deadline. */
  public static final Duration MIN_DEADLINE = Duration.ofSeconds(1);
  /** Longest accepted deadline. */
  public static final Duration MAX_DEADLINE = Duration.ofHours(24);

  public RolloutRequest {
    Objects.requireNonNull(release, "release");
    if (deadline != null && (deadline.compareTo(MIN_DEADLINE) < 0 || deadline.compareTo(MAX_DEADLINE) > 0)) {
      throw new IllegalArgumentException(String.format(
          "deadline %d s outside [%d, %d] s", deadline.toSeconds(), MIN_DEADLINE.toSeconds(), MAX_DEADLINE.toSeconds()));
    }
  }

  public static RolloutRequest of(String release) {
    return new RolloutRequest(release, null, null, false);
  }
}
