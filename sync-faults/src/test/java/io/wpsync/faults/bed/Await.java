package io.wpsync.faults.bed;

import java.time.Duration;

/**
 * Bounded polling: every wait of the suite has a deadline and a description of what it waited for,
 * so a failure says what did not happen and what was seen last.
 */
public final class Await {
  private Await() {}

  /** A condition that may throw (a daemon not answering counts as "not yet"). */
  @FunctionalInterface
  public interface Check {
    boolean ok() throws Exception;
  }

  /** A description of the current state, for the failure message. */
  @FunctionalInterface
  public interface Describe {
    String now() throws Exception;
  }

  /**
   * Polls {@code check} every {@code period} until it holds; throws {@link AssertionError} naming
   * {@code what} and the last state after {@code timeout}.
   *
   * @return milliseconds it took
   */
  public static long until(String what, Duration timeout, Duration period, Check check, Describe state)
      throws InterruptedException {
    long start = System.nanoTime();
    long end = start + timeout.toNanos();
    Exception lastError = null;
    while (true) {
      try {
        if (check.ok()) {
          return (System.nanoTime() - start) / 1_000_000;
        }
        lastError = null;
      } catch (Exception e) {
        lastError = e;
      }
      if (System.nanoTime() > end) {
        String seen;
        try {
          seen = state.now();
        } catch (Exception e) {
          seen = "(state unreadable: " + e + ")";
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; now: "
            + seen + (lastError == null ? "" : "; last error: " + lastError));
      }
      Thread.sleep(period.toMillis());
    }
  }

  public static long until(String what, Duration timeout, Check check, Describe state) throws InterruptedException {
    return until(what, timeout, Duration.ofMillis(100), check, state);
  }

  public static long until(String what, Duration timeout, Check check) throws InterruptedException {
    return until(what, timeout, Duration.ofMillis(100), check, () -> "-");
  }
}
