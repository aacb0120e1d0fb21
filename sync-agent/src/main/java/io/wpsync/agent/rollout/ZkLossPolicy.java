package io.wpsync.agent.rollout;

import java.util.Locale;

/**
 * What readiness does while ZooKeeper is unreachable ({@code --zk-loss-policy}).
 *
 * <p>{@link #SERVE} (the default) keeps serving the last committed release and stays ready: an
 * outage of the whole ensemble must not take every site down; the agent cannot learn of a new
 * commit meanwhile, which the {@code wpsync.agent.zk.connected} gauge makes visible. {@link
 * #STRICT} turns the agent not-ready once the connection has been lost for longer than the grace.
 */
public enum ZkLossPolicy {
  SERVE,
  STRICT;

  /** Parses {@code serve} or {@code strict} (any case). */
  public static ZkLossPolicy parse(String text) {
    for (ZkLossPolicy p : values()) {
      if (p.name().equalsIgnoreCase(text.strip())) {
        return p;
      }
    }
    throw new IllegalArgumentException("zk loss policy must be serve or strict, got '" + text + "'");
  }

  /** The flag spelling: {@code serve} or {@code strict}. */
  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
