package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Follows a rollout until it is decided and every participant has reported, printing one plain
 * line per change (agent prepared, failed, switched; the decision), so the output reads well both
 * on a terminal and in a CI log.
 */
public final class RolloutWatcher {
  private final AdminClient api;
  private final PrintWriter out;
  private final Duration poll;

  public RolloutWatcher(AdminClient api, PrintWriter out, Duration poll) {
    this.api = api;
    this.out = out;
    this.poll = poll;
  }

  /**
   * Waits for {@code rolloutId} to be decided (and its switches reported, up to {@code
   * switchWait}); returns the final status.
   */
  public JsonNode await(String rolloutId, Duration timeout, Duration switchWait)
      throws AdminException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    Map<String, String> seen = new HashMap<>();
    JsonNode status = api.rollout(rolloutId);
    long decidedAt = 0;
    while (true) {
      String state = status.path("state").asText();
      printChanges(status, seen, false);
      if (!state.equals("PREPARING")) {
        if (decidedAt == 0) {
          decidedAt = System.nanoTime();
          out.printf("  decision: %s%s%n", state,
              status.hasNonNull("reason") && !status.path("reason").asText().isEmpty()
                  ? " (" + status.path("reason").asText() + ")" : "");
          out.flush();
        }
        printChanges(status, seen, true);
        if (state.equals("ABORTED") || allSwitched(status) || System.nanoTime() - decidedAt > switchWait.toNanos()) {
          return status;
        }
      }
      if (System.nanoTime() > end) {
        throw new AdminException(0, "rollout " + rolloutId + " still " + state + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(poll.toMillis());
      status = api.rollout(rolloutId);
    }
  }

  /** Prints agents whose state changed; switches only once the decision has been printed. */
  private void printChanges(JsonNode status, Map<String, String> seen, boolean decided) {
    for (JsonNode a : status.path("agents")) {
      String id = a.path("id").asText(a.path("agentId").asText());
      String st = a.path("state").asText("");
      if (!decided && st.equals("SWITCHED")) {
        continue;
      }
      if (!st.isEmpty() && !st.equals(seen.get(id))) {
        seen.put(id, st);
        String reason = a.path("reason").asText("");
        out.printf("  %-12s %s%s%n", id, st.toLowerCase(java.util.Locale.ROOT), reason.isEmpty() ? "" : ": " + reason);
        out.flush();
      }
    }
  }

  private static boolean allSwitched(JsonNode status) {
    JsonNode agents = status.path("agents");
    if (!agents.isArray() || agents.isEmpty()) {
      return true;
    }
    for (JsonNode a : agents) {
      String st = a.path("state").asText("");
      if (!st.equals("SWITCHED") && !a.path("excluded").asBoolean(false)) {
        return false;
      }
    }
    return true;
  }
}
