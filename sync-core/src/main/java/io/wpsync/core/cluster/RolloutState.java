package io.wpsync.core.cluster;

/** Lifecycle of a rollout record. COMMITTED and ABORTED are final. */
public enum RolloutState {
  PREPARING,
  COMMITTED,
  ABORTED;

  public boolean isFinal() {
    return this != PREPARING;
  }
}
