package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real deploy/base/agent/node-gate.sh (sh + curl) against two servers on 127.0.0.1: the
 * agent's /readyz and the part of the Kubernetes API the gate uses (GET a node; JSON-patch it with
 * RFC 6902 "test" and "remove", answering 422 when the test fails, as the API server does).
 */
class NodeGateScriptTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TAINT = "wpsync.io/not-ready";

  @TempDir
  Path dir;

  private HttpServer api;
  private HttpServer agent;
  private final AtomicBoolean agentReady = new AtomicBoolean();
  private volatile ArrayNode taints = JSON.createArrayNode();
  /** Taints inserted at index 0 just after the next GET answers (a concurrent writer). */
  private volatile JsonNode insertAfterGet;
  private final List<String> requests = new ArrayList<>();
  private final AtomicInteger patchesOk = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    agent = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    agent.createContext("/readyz", ex -> reply(ex, agentReady.get() ? 200 : 503, agentReady.get() ? "ready" : "behind"));
    agent.start();
    api = HttpServer.create(new InetSocketAddress(lo, 0), 0);
    api.createContext("/api/v1/nodes/", this::node);
    api.start();
    Files.writeString(dir.resolve("token"), "token-abc\n");
  }

  @AfterEach
  void stop() {
    api.stop(0);
    agent.stop(0);
  }

  private synchronized void node(HttpExchange ex) throws IOException {
    requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " auth="
        + ex.getRequestHeaders().getFirst("Authorization") + " ua=" + ex.getRequestHeaders().getFirst("User-Agent"));
    if (!ex.getRequestURI().getPath().equals("/api/v1/nodes/node-1")) {
      reply(ex, 404, "{}");
      return;
    }
    if (ex.getRequestMethod().equals("GET")) {
      ObjectNode node = JSON.createObjectNode();
      node.put("kind", "Node").putObject("metadata").put("name", "node-1");
      node.putObject("spec").set("taints", taints.deepCopy());
      reply(ex, 200, JSON.writeValueAsString(node));
      if (insertAfterGet != null) {
        taints.insert(0, insertAfterGet);
        insertAfterGet = null;
      }
      return;
    }
    if (ex.getRequestMethod().equals("PATCH")
        && "application/json-patch+json".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
      JsonNode ops = JSON.readTree(ex.getRequestBody());
      ArrayNode next = taints.deepCopy();
      for (JsonNode op : ops) {
        String[] path = op.path("path").asText().split("/");
        int index = Integer.parseInt(path[3]);
        switch (op.path("op").asText()) {
          case "test" -> {
            if (index >= next.size() || !next.get(index).path(path[4]).equals(op.path("value"))) {
              reply(ex, 422, "{\"message\":\"testing value " + op.path("path").asText() + " failed\"}");
              return;
            }
          }
          case "remove" -> next.remove(index);
          default -> {
            reply(ex, 422, "{}");
            return;
          }
        }
      }
      taints = next;
      patchesOk.incrementAndGet();
      reply(ex, 200, "{}");
      return;
    }
    reply(ex, 405, "{}");
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  private static ObjectNode taint(String key) {
    ObjectNode t = JSON.createObjectNode();
    t.put("key", key).put("effect", "NoSchedule");
    return t;
  }

  private String run(int loops) throws Exception {
    String curl = DeployFilesTest.onPath("curl");
    if (curl == null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("curl is needed to test node-gate.sh (the image ships it)");
      }
      Assumptions.abort("curl is not installed: node-gate.sh not exercised");
    }
    Path script = Kustomize.deployDir().resolve("base/agent/node-gate.sh");
    ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("NODE_NAME", "node-1");
    env.put("TAINT_KEY", TAINT);
    env.put("AGENT_READYZ", "http://127.0.0.1:" + agent.getAddress().getPort() + "/readyz");
    env.put("K8S_API", "http://127.0.0.1:" + api.getAddress().getPort());
    env.put("SA_DIR", dir.toString());
    env.put("POLL_SECONDS", "0.05");
    env.put("RECHECK_SECONDS", "0.05");
    env.put("HEARTBEAT_FILE", dir.resolve("alive").toString());
    env.put("MAX_LOOPS", String.valueOf(loops));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("node-gate.sh finished").isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private List<String> keys() {
    List<String> k = new ArrayList<>();
    taints.forEach(t -> k.add(t.path("key").asText()));
    return k;
  }

  @Test
  void keepsTheTaintWhileTheAgentIsNotReady() throws Exception {
    taints.add(taint(TAINT));
    String out = run(3);
    assertThat(keys()).containsExactly(TAINT);
    assertThat(requests).isEmpty();
    assertThat(out).contains("agent not ready yet");
    assertThat(dir.resolve("alive")).exists();
  }

  @Test
  void removesOnlyItsTaintOnceTheAgentIsReady() throws Exception {
    taints.add(taint("example.com/other"));
    taints.add(taint(TAINT));
    taints.add(taint("node.kubernetes.io/unschedulable"));
    agentReady.set(true);
    String out = run(3);
    assertThat(keys()).containsExactly("example.com/other", "node.kubernetes.io/unschedulable");
    assertThat(patchesOk).hasValue(1);
    assertThat(out).contains("removed taint " + TAINT + " (index 1) from node node-1");
    assertThat(requests).allSatisfy(r -> assertThat(r).contains("auth=Bearer token-abc").doesNotContain("ua=curl"));
  }

  @Test
  void aConcurrentTaintChangeFailsTheTestOpAndTheNextLoopRetries() throws Exception {
    taints.add(taint(TAINT));
    insertAfterGet = taint("example.com/added-meanwhile");
    agentReady.set(true);
    String out = run(4);
    assertThat(keys()).containsExactly("example.com/added-meanwhile");
    assertThat(out).contains("answered HTTP 422").contains("removed taint " + TAINT + " (index 1)");
  }

  @Test
  void doesNothingOnAnUntaintedNode() throws Exception {
    taints.add(taint("example.com/other"));
    agentReady.set(true);
    String out = run(2);
    assertThat(keys()).containsExactly("example.com/other");
    assertThat(patchesOk).hasValue(0);
    assertThat(requests).allSatisfy(r -> assertThat(r).startsWith("GET "));
    assertThat(out).contains("node has no " + TAINT + " taint");
  }
}
