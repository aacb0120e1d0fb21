package io.wpsync.agent;

import java.util.Locale;

/**
 * {@code --mode}: {@link #READ_ONLY} (the default) serves releases as they were committed; {@link
 * #LIVE} also lets WordPress change files locally (releases are materialized as copies, never
 * links to the store), and the local-change capture ({@code io.wpsync.agent.capture}) proposes
 * those changes as a new release.
 */
public enum AgentMode {
  READ_ONLY,
  LIVE;

  public static AgentMode parse(String text) {
    String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "read-only", "readonly" -> READ_ONLY;
      case "live" -> LIVE;
      default -> throw new IllegalArgumentException("mode must be read-only or live, got '" + text + "'");
    };
  }

  public String flagValue() {
    return this == READ_ONLY ? "read-only" : "live";
  }
}
