package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code wpsync rollout start|status|abort|list} and {@code wpsync rollback}. */
public final class RolloutCommands {
  private RolloutCommands() {}

  /** {@code wpsync rollout ...}. */
  @Command(name = "rollout", description = "Start, watch or abort a two-phase rollout.",
      subcommands = {Start.class, Status.class, Abort.class, ListRollouts.class}, mixinStandardHelpOptions = true)
  public static final class Rollout {}

  /** Options of commands that may wait for the outcome. */
  static final class WaitOptions {
    @Option(names = "--wait", description = "Follow the rollout until it is decided; exit 1 if it aborts.")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "How long --wait waits (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--progress", defaultValue = "auto", paramLabel = "auto|table|plain",
        description = "How --wait shows progress: a table redrawn in place (on a terminal), plain lines (logs, pipes), "
            + "or auto (table when stdout is a terminal; default).")
    RolloutDisplay.Mode progress;
  }

  /** Starts a rollout. */
  @Command(name = "start", mixinStandardHelpOptions = true, description = "Roll RELEASE out to every live agent.")
  public static final class Start extends AdminCommand {
    @Parameters(paramLabel = "RELEASE")
    String release;

    @Option(names = "--deadline", description = "Seconds the agents have to prepare (default: the coordinator's).")
    Integer deadline;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.startRollout(release, deadline);
      return follow(this, api, r, wait);
    }
  }

  /** Rolls back. */
  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Roll back to RELEASE, or to the release committed before the current one.")
  public static final class Rollback extends AdminCommand {
    @Parameters(paramLabel = "RELEASE", arity = "0..1")
    String release;

    @picocli.CommandLine.Mixin WaitOptions wait = new WaitOptions();

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      return follow(this, api, api.rollback(release), wait);
    }
  }

  static int follow(AdminCommand cmd, AdminClient api, JsonNode started, WaitOptions wait)
      throws AdminException, InterruptedException {
    String id = started.path("id").asText();
    if (!wait.wait) {
      if (cmd.options.json()) {
        cmd.printJson(started);
      } else {
        cmd.out().printf("rollout %s started: %s to %s agents%n", id, started.path("target").asText(),
            started.path("participants").size());
      }
      return 0;
    }
    RolloutDisplay display;
    if (cmd.options.json()) {
      display = new PlainRolloutDisplay(new java.io.PrintWriter(java.io.Writer.nullWriter()));
    } else {
      cmd.out().printf("rollout %s: %s to %d agents%n", id, started.path("target").asText(),
          started.path("participants").size());
      display = RolloutDisplay.forConsole(cmd.out(), wait.progress);
    }
    JsonNode done = new RolloutWatcher(api, display, Duration.ofMillis(250)).await(id, wait.timeout, Duration.ofSeconds(30));
    if (cmd.options.json()) {
      cmd.printJson(done);
    } else if (done.has("switchSkewMillis")) {
      cmd.out().printf("  switch skew: %s ms%n", done.path("switchSkewMillis").asText());
    }
    if (!done.path("state").asText().equals("COMMITTED")) {
      cmd.err().printf("wpsync: rollout %s %s: %s%n", id, done.path("state").asText(), done.path("reason").asText(""));
      return 1;
    }
    return 0;
  }

  /** Shows a rollout. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a rollout with per-agent state.")
  public static final class Status extends AdminCommand {
    @Parameters(paramLabel = "ROLLOUT")
    String id;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.rollout(id);
      if (options.json()) {
        printJson(r);
        return 0;
      }
      for (String line : TableRolloutDisplay.render(r, System.currentTimeMillis())) {
        out().println(line);
      }
      if (r.hasNonNull("reason")) {
        out().printf("reason: %s%n", r.path("reason").asText());
      }
      if (r.has("switchSkewMillis")) {
        out().printf("switch skew: %s ms%n", r.path("switchSkewMillis").asText());
      }
      return 0;
    }
  }

  /** Aborts a rollout. */
  @Command(name = "abort", mixinStandardHelpOptions = true, description = "Abort a rollout that is still preparing.")
  public static final class Abort extends AdminCommand {
    @Parameters(paramLabel = "ROLLOUT")
    String id;

    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode r = api.abortRollout(id);
      if (options.json()) {
        printJson(r);
      } else {
        out().printf("rollout %s: %s%n", id, r.path("state").asText());
      }
      return 0;
    }
  }

  /** Lists recent rollouts. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List recent rollouts.")
  public static final class ListRollouts extends AdminCommand {
    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode list = api.rollouts();
      if (options.json()) {
        printJson(list);
        return 0;
      }
      for (JsonNode r : list.isArray() ? list : list.path("rollouts")) {
        out().printf("%-26s %-14s %-10s %s%n", r.path("id").asText(), r.path("target").asText(),
            r.path("state").asText(), r.path("reason").asText(""));
      }
      return 0;
    }
  }

  /** Lists agents. */
  @Command(name = "agents", mixinStandardHelpOptions = true, description = "List live agents and what they serve.")
  public static final class Agents extends AdminCommand {
    @Override
    protected int call(AdminClient api) throws AdminException, InterruptedException {
      JsonNode list = api.agents();
      if (options.json()) {
        printJson(list);
        return 0;
      }
      long now = System.currentTimeMillis();
      out().printf("%-16s %-22s %-12s %-12s %-9s %-5s %-9s %s%n", "AGENT", "ADDRESS", "CURRENT", "STAGED", "STATE",
          "READY", "SEEN", "DETAIL");
      for (JsonNode a : list.isArray() ? list : list.path("agents")) {
        String detail = a.path("ready").asBoolean() ? "" : a.path("readyReason").asText("");
        if (a.hasNonNull("probeError")) {
          detail = (detail.isEmpty() ? "" : detail + "; ") + "status unavailable: " + a.path("probeError").asText();
        }
        JsonNode p = a.path("progress");
        if (p.path("bytesTotal").asLong() > 0) {
          detail = String.format("fetching %s: %s / %s; %s", p.path("release").asText(),
              Sizes.bytes(p.path("bytesDone").asLong()), Sizes.bytes(p.path("bytesTotal").asLong()), detail);
        }
        out().printf("%-16s %-22s %-12s %-12s %-9s %-5s %-9s %s%n", a.path("id").asText(),
            a.path("address").asText(a.path("host").asText() + ":" + a.path("p2pPort").asText()),
            a.path("currentRelease").asText("-"), a.path("stagedRelease").asText("-"), a.path("state").asText(),
            a.path("ready").asBoolean() ? "yes" : "no", Sizes.ago(a.path("lastSeen").asLong(), now), detail);
      }
      return 0;
    }
  }
}
