package io.wpsync.core.cluster;

/**
 * What a rollout does when agents fail to prepare or miss the deadline.
 *
 * @param mode ABORT (the default: nothing switches) or EXCLUDE (commit without the failed agents,
 *     which are held not-ready until they catch up)
 * @param maxExcludedShare with EXCLUDE, the largest share of participants that may be left out
 *     (e.g. 0.05); beyond it the rollout aborts
 */
public record FailurePolicy(Mode mode, double maxExcludedShare) {
  public enum Mode { ABORT, EXCLUDE }

  public FailurePolicy {
    if (maxExcludedShare < 0 || maxExcludedShare > 1) {
      throw new IllegalArgumentException("maxExcludedShare must be within [0, 1], got " + maxExcludedShare);
    }
  }

  public static FailurePolicy abort() {
    return new FailurePolicy(Mode.ABORT, 0);
  }

  public static FailurePolicy exclude(double maxShare) {
    return new FailurePolicy(Mode.EXCLUDE, maxShare);
  }
}
