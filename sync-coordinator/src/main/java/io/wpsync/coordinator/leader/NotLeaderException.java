package io.wpsync.coordinator.leader;

/**
 * Only the leader coordinator drives rollouts; this one is a standby (or is between terms). Carries
 * the leader's admin URL when known, so the caller can retry there (HTTP 503).
 */
public final class NotLeaderException extends Exception {
  private final String leaderUrl;

  public NotLeaderException(String leaderUrl) {
    super(leaderUrl == null
        ? "this coordinator is not the leader and no leader is elected right now; retry in a few seconds"
        : "this coordinator is not the leader; send the request to " + leaderUrl);
    this.leaderUrl = leaderUrl;
  }

  /** The leader's admin URL, or null if no leader is known. */
  public String leaderUrl() {
    return leaderUrl;
  }
}
