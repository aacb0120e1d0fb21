package io.wpsync.coordinator.zk;

/**
 * A decision write found the rollout record (or the committed pointer) changed since it was read:
 * someone else decided first. Nothing was written; re-read and re-evaluate.
 */
public final class ConcurrentDecisionException extends Exception {
  public ConcurrentDecisionException(String message) {
    super(message);
  }
}
