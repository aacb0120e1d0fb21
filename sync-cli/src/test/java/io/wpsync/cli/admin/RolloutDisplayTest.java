package io.wpsync.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both displays on rollout statuses shaped like {@code GET /api/v1/rollouts/{id}}. */
class RolloutDisplayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode status(String state, int agents, String... agentStates) {
    ObjectNode s = JSON.createObjectNode().put("id", "ro-1").put("target", "r2").put("previous", "r1")
        .put("state", state).put("createdAt", 1_000).put("prepared", 0).put("switched", 0).put("failed", 0);
    ArrayNode list = s.putArray("agents");
    for (int i = 0; i < agents; i++) {
      String st = agentStates.length > i ? agentStates[i] : "PENDING";
      ObjectNode a = list.addObject().put("id", String.format("agent-%02d", i)).put("state", st).put("alive", true);
      if (st.equals("PENDING")) {
        a.putObject("progress").put("bytesDone", 512L << 10).put("bytesTotal", 1L << 20).put("piecesDone", 1)
            .put("piecesTotal", 2).put("active", true);
      }
      if (st.equals("FAILED")) {
        a.put("reason", "disk full: /var/lib/wpsync");
      }
    }
    return s;
  }

  @Test
  void theTableShowsABarBytesAndPiecesAndRedrawsInPlace() {
    StringWriter w = new StringWriter();
    TableRolloutDisplay d = new TableRolloutDisplay(new PrintWriter(w), () -> 6_000);
    d.update(status("PREPARING", 2, "PENDING", "FAILED"));
    String first = w.toString();
    assertThat(first).contains("rollout ro-1  r1 -> r2  PREPARING  5s")
        .contains("[##########..........]  50%").contains("512.0 KiB / 1.0 MiB, 1/2 pieces")
        .contains("disk full: /var/lib/wpsync")
        .doesNotContain("\u001b[4A");
    assertThat(first.indexOf("agent-01")).as("failed agents first").isLessThan(first.indexOf("agent-00"));
    d.update(status("PREPARING", 2, "PENDING", "FAILED"));
    assertThat(w.toString().substring(first.length())).startsWith("\r\u001b[4A"); // back up over the 4 lines drawn
    d.finish(status("ABORTED", 2, "PENDING", "FAILED").put("reason", "agent-01 failed"));
    assertThat(w.toString()).endsWith("decision: ABORTED (agent-01 failed)" + System.lineSeparator());
  }

  @Test
  void linesAreCutToTheTerminalWidthSoTheRedrawStaysInPlace() {
    StringWriter w = new StringWriter();
    new TableRolloutDisplay(new PrintWriter(w), () -> 6_000, 60).update(status("PREPARING", 3, "PENDING", "FAILED"));
    for (String line : w.toString().split("\n")) {
      String visible = line.replaceAll("\u001b\\[[0-9]*[A-Za-z]", "").replace("\r", "");
      assertThat(visible.length()).as(visible).isLessThan(60);
    }
  }

  @Test
  void aLargeFleetIsCutToTwentyRowsWithASummary() {
    ObjectNode s = status("PREPARING", 50);
    for (int i = 0; i < 40; i++) {
      ((ObjectNode) s.path("agents").get(i)).put("state", "PREPARED").remove("progress");
    }
    List<String> lines = TableRolloutDisplay.render(s, 2_000);
    assertThat(lines).hasSize(2 + TableRolloutDisplay.MAX_ROWS);
    assertThat(lines.get(2)).contains("PENDING"); // still fetching: shown first
    assertThat(lines.get(lines.size() - 1)).contains("31 more: 0 failed, 0 pending, 31 prepared, 0 switched");
  }

  @Test
  void plainLinesAreCausal() {
    StringWriter w = new StringWriter();
    PlainRolloutDisplay d = new PlainRolloutDisplay(new PrintWriter(w));
    d.update(status("PREPARING", 2, "PENDING", "PREPARED"));
    JsonNode committed = status("COMMITTED", 2, "SWITCHED", "PREPARED");
    d.decided(committed);
    d.finish(status("COMMITTED", 2, "SWITCHED", "SWITCHED"));
    String out = w.toString();
    assertThat(out).contains("agent-00     fetching: 50% (512.0 KiB of 1.0 MiB)").contains("agent-01     prepared");
    assertThat(out.indexOf("decision: COMMITTED")).isLessThan(out.indexOf("agent-00     switched"));
    assertThat(out).doesNotContain("\u001b");
  }
}
