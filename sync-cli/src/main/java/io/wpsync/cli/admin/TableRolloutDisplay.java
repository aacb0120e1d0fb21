package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A compact table of the rollout, redrawn in place on a terminal (ANSI: cursor up, clear line):
 * a header with the rollout's state, counts and elapsed time, then one row per agent with its
 * state, a progress bar with bytes and pieces while it fetches, and its reason or switch time.
 * At most {@value #MAX_ROWS} rows: agents that need attention (failed, still fetching) first, the
 * rest summed up in one line. Lines are cut to the terminal width ({@code COLUMNS}, else 100) so
 * none wraps, which would break the redraw. The decision is printed below the last table, which
 * stays.
 */
public final class TableRolloutDisplay implements RolloutDisplay {
  static final int MAX_ROWS = 20;
  private static final int BAR = 20;
  private static final String UP = "\u001b[%dA";
  private static final String CLEAR_LINE = "\u001b[2K";
  private static final String CLEAR_BELOW = "\u001b[J";

  private final PrintWriter out;
  private final LongSupplier clock;
  private final int width;
  private int drawn;

  /** A display as wide as the terminal says ({@code COLUMNS}), else 100 columns. */
  public TableRolloutDisplay(PrintWriter out, LongSupplier clock) {
    this(out, clock, terminalWidth());
  }

  public TableRolloutDisplay(PrintWriter out, LongSupplier clock, int width) {
    this.out = out;
    this.clock = clock;
    this.width = Math.max(40, width);
  }

  private static int terminalWidth() {
    try {
      return Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100").strip());
    } catch (NumberFormatException e) {
      return 100;
    }
  }

  @Override
  public void update(JsonNode status) {
    List<String> lines = render(status, clock.getAsLong());
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append('\r').append(String.format(UP, drawn));
    }
    for (String line : lines) {
      b.append(CLEAR_LINE).append(clip(line, width - 1)).append('\n');
    }
    b.append(CLEAR_BELOW);
    out.print(b);
    out.flush();
    drawn = lines.size();
  }

  @Override
  public void decided(JsonNode status) {
    update(status);
  }

  @Override
  public void finish(JsonNode status) {
    update(status);
    String reason = status.path("reason").asText("");
    out.printf("decision: %s%s%n", status.path("state").asText(), reason.isEmpty() ? "" : " (" + reason + ")");
    out.flush();
    drawn = 0;
  }

  /** The table's lines for {@code status} at time {@code now} (no control codes). */
  static List<String> render(JsonNode status, long now) {
    List<String> lines = new ArrayList<>();
    JsonNode agents = status.path("agents");
    long created = status.path("createdAt").asLong(now);
    long end = status.path("decidedAt").asLong(0) > 0 && status.path("switched").asInt() >= agents.size()
        ? status.path("lastSwitchAt").asLong(status.path("decidedAt").asLong()) : now;
    lines.add(String.format(Locale.ROOT, "rollout %s  %s -> %s  %s  %ds  prepared %d  switched %d  failed %d  of %d",
        status.path("id").asText(), status.path("previous").asText("-"), status.path("target").asText(),
        status.path("state").asText(), Math.max(0, end - created) / 1000, status.path("prepared").asInt(),
        status.path("switched").asInt(), status.path("failed").asInt(), agents.size()));
    lines.add(String.format(Locale.ROOT, "  %-16s %-9s %-" + (BAR + 7) + "s %s", "AGENT", "STATE", "PROGRESS", "DETAIL"));
    List<JsonNode> rows = new ArrayList<>();
    agents.forEach(rows::add);
    rows.sort(Comparator.comparingInt(TableRolloutDisplay::urgency).thenComparing(a -> a.path("id").asText()));
    int shown = Math.min(rows.size(), rows.size() > MAX_ROWS ? MAX_ROWS - 1 : MAX_ROWS);
    for (JsonNode a : rows.subList(0, shown)) {
      lines.add(row(a, status.path("createdAt").asLong(0)));
    }
    if (shown < rows.size()) {
      int[] byState = new int[4];
      for (JsonNode a : rows.subList(shown, rows.size())) {
        byState[Math.min(3, urgency(a))]++;
      }
      lines.add(String.format(Locale.ROOT, "  ... %d more: %d failed, %d pending, %d prepared, %d switched",
          rows.size() - shown, byState[0], byState[1], byState[2], byState[3]));
    }
    return lines;
  }

  /** Failed first, then still fetching, prepared, switched. */
  private static int urgency(JsonNode a) {
    return switch (a.path("state").asText()) {
      case "FAILED" -> 0;
      case "PENDING" -> 1;
      case "PREPARED" -> 2;
      default -> 3;
    };
  }

  private static String row(JsonNode a, long createdAt) {
    String state = a.path("state").asText();
    if (!a.path("alive").asBoolean(true)) {
      state = state + "*";
    }
    String progress = "";
    String detail = a.path("reason").asText("");
    JsonNode p = a.path("progress");
    if (state.startsWith("PENDING") && p.isObject() && p.path("bytesTotal").asLong() > 0) {
      long done = p.path("bytesDone").asLong();
      long total = p.path("bytesTotal").asLong();
      progress = bar(done, total);
      detail = Sizes.bytes(done) + " / " + Sizes.bytes(total) + ", " + p.path("piecesDone").asLong() + "/"
          + p.path("piecesTotal").asLong() + " pieces";
    } else if (state.equals("PREPARED") || state.equals("SWITCHED")) {
      progress = bar(1, 1);
      if (a.has("at") && createdAt > 0) {
        detail = String.format(Locale.ROOT, "%s at +%.1fs", state.equals("SWITCHED") ? "switched" : "prepared",
            (a.path("at").asLong() - createdAt) / 1000.0);
      }
    }
    if (!a.path("alive").asBoolean(true)) {
      detail = (detail.isEmpty() ? "" : detail + "; ") + "left the cluster";
    } else if (a.path("excluded").asBoolean(false)) {
      detail = (detail.isEmpty() ? "" : detail + "; ") + "excluded";
    }
    return String.format(Locale.ROOT, "  %-16s %-9s %-" + (BAR + 7) + "s %s", clip(a.path("id").asText(), 16), state,
        progress, clip(detail, 80));
  }

  private static String bar(long done, long total) {
    int filled = (int) Math.min(BAR, done * BAR / Math.max(1, total));
    int pct = (int) Math.min(100, done * 100 / Math.max(1, total));
    return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]" + String.format(Locale.ROOT, "%4d%%", pct);
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "~";
  }
}
