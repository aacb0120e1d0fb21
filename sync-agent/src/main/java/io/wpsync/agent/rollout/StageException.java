package io.wpsync.agent.rollout;

/**
 * A release could not be staged (fetched, verified, materialized and fsynced). The message is what
 * the agent reports as its FAILED reason, so it names the cause a human can act on, prefixed by
 * the {@link Cause}: {@code "disk full: ..."}, {@code "verify sha256:ab..: got cd.."}, ...
 */
public class StageException extends Exception {
  /** Why staging failed. */
  public enum Cause {
    DISK_FULL("disk full"),
    VERIFICATION("verification failed"),
    FETCH_TIMEOUT("fetch timed out"),
    FETCH_FAILED("fetch failed"),
    UNKNOWN_RELEASE("unknown release"),
    NOT_MATERIALIZABLE("release cannot be materialized here"),
    IO("I/O error");

    private final String label;

    Cause(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Cause cause;

  public StageException(Cause cause, String detail, Throwable source) {
    super(cause.label() + ": " + detail, source);
    this.cause = cause;
  }

  public StageException(Cause cause, String detail) {
    this(cause, detail, null);
  }

  public Cause kind() {
    return cause;
  }
}
