package io.wpsync.coordinator.rollout;

import io.wpsync.core.cluster.RolloutState;

/** An operation needs a rollout still PREPARING, but it is already decided (HTTP 409). */
public final class RolloutDecidedException extends Exception {
  public RolloutDecidedException(String rolloutId, RolloutState state) {
    super("rollout " + rolloutId + " is already " + state + "; only a PREPARING rollout can be aborted");
  }
}
