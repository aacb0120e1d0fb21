package io.wpsync.coordinator.rollout;

/** A rollout cannot start because another one is in progress (HTTP 409); names the active one. */
public final class RolloutConflictException extends Exception {
  private final String activeRolloutId;

  public RolloutConflictException(String activeRolloutId) {
    super("rollout " + activeRolloutId + " is in progress; wait for it to finish or abort it first");
    this.activeRolloutId = activeRolloutId;
  }

  public String activeRolloutId() {
    return activeRolloutId;
  }
}
