package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Follows a rollout until it is decided and every participant has switched (or a bounded wait for
 * the switches passed), polling {@code GET /api/v1/rollouts/{id}} (which carries each preparing
 * agent's fetch progress) and handing every status to a {@link RolloutDisplay}.
 *
 * <pre>{@code
 * JsonNode done = new RolloutWatcher(api, RolloutDisplay.forConsole(out, Mode.auto), Duration.ofMillis(250))
 *     .await(id, Duration.ofMinutes(10), Duration.ofSeconds(30));
 * }</pre>
 */
public final class RolloutWatcher {
  private final AdminClient api;
  private final RolloutDisplay display;
  private final Duration poll;

  public RolloutWatcher(AdminClient api, RolloutDisplay display, Duration poll) {
    this.api = api;
    this.display = display;
    this.poll = poll;
  }

  /** A watcher printing plain lines to {@code out}. */
  public RolloutWatcher(AdminClient api, PrintWriter out, Duration poll) {
    this(api, new PlainRolloutDisplay(out), poll);
  }

  /**
   * Waits for {@code rolloutId} to be decided (and its switches reported, up to {@code
   * switchWait}); returns the final status.
   *
   * @throws AdminException if it is still undecided after {@code timeout}, or the API fails
   */
  public JsonNode await(String rolloutId, Duration timeout, Duration switchWait)
      throws AdminException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    JsonNode status = api.rollout(rolloutId);
    long decidedAt = 0;
    while (true) {
      String state = status.path("state").asText();
      if (!state.equals("PREPARING")) {
        if (decidedAt == 0) {
          decidedAt = System.nanoTime();
          display.decided(status);
        } else {
          display.update(status);
        }
        if (state.equals("ABORTED") || allSwitched(status) || System.nanoTime() - decidedAt > switchWait.toNanos()) {
          display.finish(status);
          return status;
        }
      } else {
        display.update(status);
      }
      if (System.nanoTime() > end) {
        display.finish(status);
        throw new AdminException(0, "rollout " + rolloutId + " still " + state + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(poll.toMillis());
      status = api.rollout(rolloutId);
    }
  }

  static boolean allSwitched(JsonNode status) {
    JsonNode agents = status.path("agents");
    if (!agents.isArray() || agents.isEmpty()) {
      return true;
    }
    for (JsonNode a : agents) {
      String st = a.path("state").asText("");
      if (!st.equals("SWITCHED") && !a.path("excluded").asBoolean(false) && a.path("alive").asBoolean(true)) {
        return false;
      }
    }
    return true;
  }
}
