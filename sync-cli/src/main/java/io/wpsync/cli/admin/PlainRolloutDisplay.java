package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One plain line per change: an agent's new state (prepared, failed with its reason, switched),
 * its fetch passing 25, 50 and 75 %, the decision. Switches are printed only after the decision,
 * so the log reads in causal order. Suits logs and CI (no terminal control codes).
 */
public final class PlainRolloutDisplay implements RolloutDisplay {
  private final PrintWriter out;
  private final Map<String, String> seen = new HashMap<>();
  private final Map<String, Integer> quarter = new HashMap<>();
  private boolean decided;

  public PlainRolloutDisplay(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void update(JsonNode status) {
    for (JsonNode a : status.path("agents")) {
      String id = a.path("id").asText();
      String st = a.path("state").asText("");
      JsonNode p = a.path("progress");
      long total = p.path("bytesTotal").asLong();
      if (total > 0 && st.equals("PENDING")) {
        int q = (int) Math.min(3, p.path("bytesDone").asLong() * 4 / total);
        if (q > quarter.getOrDefault(id, 0)) {
          quarter.put(id, q);
          long done = p.path("bytesDone").asLong();
          out.printf("  %-12s fetching: %d%% (%s of %s)%n", id, Math.min(100, done * 100 / total), Sizes.bytes(done),
              Sizes.bytes(total));
        }
      }
      if (!decided && st.equals("SWITCHED")) {
        continue;
      }
      if (!st.isEmpty() && !st.equals("PENDING") && !st.equals(seen.get(id))) {
        seen.put(id, st);
        String reason = a.path("reason").asText("");
        out.printf("  %-12s %s%s%n", id, st.toLowerCase(Locale.ROOT), reason.isEmpty() ? "" : ": " + reason);
      }
    }
    out.flush();
  }

  @Override
  public void decided(JsonNode status) {
    update(status); // what led to the decision first, switches after it
    String reason = status.path("reason").asText("");
    out.printf("  decision: %s%s%n", status.path("state").asText(), reason.isEmpty() ? "" : " (" + reason + ")");
    decided = true;
    update(status);
  }

  @Override
  public void finish(JsonNode status) {
    update(status);
  }
}
