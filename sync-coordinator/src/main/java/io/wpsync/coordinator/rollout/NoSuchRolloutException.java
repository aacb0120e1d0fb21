package io.wpsync.coordinator.rollout;

/** No rollout record with this id (never existed, or pruned from the last records kept). */
public final class NoSuchRolloutException extends Exception {
  public NoSuchRolloutException(String rolloutId) {
    super("no rollout " + rolloutId + " (only the most recent rollouts are kept)");
  }
}
