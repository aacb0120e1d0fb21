package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How {@link RolloutWatcher} shows a rollout it follows: {@link PlainRolloutDisplay} prints one
 * line per change (logs, pipes, CI), {@link TableRolloutDisplay} redraws a compact table in place
 * (a terminal). Both get every polled status, then the final one.
 */
public interface RolloutDisplay {
  /** A fresh status while the rollout runs (or its switches are awaited). */
  void update(JsonNode status);

  /** The rollout was decided: called once, with the status that shows the decision. */
  void decided(JsonNode status);

  /** The last status; nothing more is shown after it. */
  void finish(JsonNode status);

  /** The display for this process: a table on a terminal ({@code System.console() != null}), else lines. */
  static RolloutDisplay forConsole(java.io.PrintWriter out, Mode mode) {
    boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return switch (mode) {
      case table -> new TableRolloutDisplay(out, System::currentTimeMillis);
      case plain -> new PlainRolloutDisplay(out);
      case auto -> tty ? new TableRolloutDisplay(out, System::currentTimeMillis) : new PlainRolloutDisplay(out);
    };
  }

  /** {@code --progress}: auto (table on a terminal), table, plain. */
  enum Mode { auto, table, plain }
}
