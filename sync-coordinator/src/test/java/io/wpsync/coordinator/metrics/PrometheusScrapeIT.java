package io.wpsync.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.HostPort;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring story end to end, with Debian's Prometheus: a real coordinator and two real agents
 * (one read-only, one live; after a real rollout, so rollout, fetch, switch and capture meters
 * exist and have values) are scraped by a real
 * {@code prometheus} on loopback that also loads the shipped alert rules; its HTTP API must return
 * wpsync series, every rule must evaluate healthy, every Grafana panel query must be valid PromQL,
 * and every metric the rules and the dashboard name must exist. {@code promtool check metrics}
 * lints both daemons' {@code /metrics} (every meter has HELP text, names follow the conventions),
 * {@code promtool check rules} the rule file, and {@code docs/metrics.md} must list every wpsync
 * metric. Without the binaries the test is skipped with a message (failed under {@code CI=true}).
 */
class PrometheusScrapeIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path RULES = REPO.resolve("deploy/monitoring/prometheus-rules.yaml");
  private static final Path DASHBOARD = REPO.resolve("deploy/monitoring/grafana-dashboard.json");
  private static final Path METRICS_DOC = REPO.resolve("docs/metrics.md");
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern METRIC_NAME = Pattern.compile("\\b((?:wpsync|jvm|process|system|cache)_[a-z0-9_]+)");
  /** wpsync metrics registered on their first event only, which this test does not cause. */
  private static final Set<String> ON_FIRST_EVENT = Set.of("wpsync_peer_upload_rejected_total");
  private static final Set<String> KNOWN_FAMILIES_PREFIXES = Set.of("wpsync_", "jvm_", "process_", "system_", "cache_");

  @TempDir
  static Path dir;
  private static CoordinatorDaemon coordinator;
  private static AgentDaemon agent;
  private static AgentDaemon liveAgent;
  private static Process prometheus;
  private static String promUrl;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    Path prometheusBin = Promtool.require("prometheus");
    Promtool.require("promtool");
    Path secret = Files.writeString(dir.resolve("secret"), "s".repeat(40) + "\n");
    coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord-prom", dir.resolve("coord"), null)
        .withEmbeddedZk(0)
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(1)));
    await().atMost(WAIT).until(coordinator::isLeader);
    agent = AgentDaemon.start(AgentConfig.of("agent-prom", dir.resolve("agent/data"), dir.resolve("agent/root"),
        coordinator.zkConnect()).withSecretFile(secret).withSessionTimeout(Duration.ofSeconds(3)));
    liveAgent = AgentDaemon.start(AgentConfig.of("agent-live", dir.resolve("live/data"), dir.resolve("live/root"),
        coordinator.zkConnect()).withSecretFile(secret).withSessionTimeout(Duration.ofSeconds(3))
        .withMode(io.wpsync.agent.AgentMode.LIVE));
    await().atMost(WAIT).until(() -> agent.status().zkConnected() && liveAgent.status().zkConnected());

    Path tree = dir.resolve("site");
    Files.createDirectories(tree.resolve("themes/t"));
    Files.writeString(tree.resolve("themes/t/style.css"), "/* Theme Name: t */\n");
    ReleaseInfo r = coordinator.releases().create(tree, new ReleaseDraft("it", "metrics", null));
    RolloutStatus s = coordinator.rollouts().start(new RolloutRequest(r.id(), Duration.ofSeconds(30),
        FailurePolicy.abort(), false));
    await().atMost(WAIT).until(() -> coordinator.rollouts().status(s.id()).switched() == 2);
    assertThat(coordinator.rollouts().status(s.id()).state()).isEqualTo(RolloutState.COMMITTED);
    // a peer that speaks garbage: the agent counts a protocol error (so that series exists too)
    try (Socket junk = new Socket()) {
      junk.connect(new InetSocketAddress("127.0.0.1", agent.p2pPort()), 5000);
      OutputStream o = junk.getOutputStream();
      o.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20).getBytes(StandardCharsets.US_ASCII));
      o.flush();
      junk.getInputStream().read(new byte[256]);
    } catch (IOException closedByTheAgent) {
      // expected: the agent closes the connection
    }
    await().atMost(WAIT).until(() -> scrape(agentMetricsUrl()).contains("wpsync_peer_protocol_errors_total"));

    int port = freePort();
    promUrl = "http://127.0.0.1:" + port;
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - " + RULES,
        "scrape_configs:",
        "  - job_name: wpsync-coordinator",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + coordinator.httpPort() + "']",
        "  - job_name: wpsync-agent",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + agent.httpPort() + "', '127.0.0.1:" + liveAgent.httpPort() + "']",
        ""));
    prometheus = new ProcessBuilder(prometheusBin.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!prometheus.isAlive()) {
        throw new AssertionError("prometheus exited " + prometheus.exitValue() + ": " + prometheusLog());
      }
      try {
        return get(promUrl + "/-/ready").statusCode() == 200;
      } catch (IOException e) {
        return false; // not listening yet
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (liveAgent != null) {
      liveAgent.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String prometheusLog() {
    try {
      String log = Files.readString(dir.resolve("prometheus.log"));
      return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String coordinatorMetricsUrl() {
    return "http://127.0.0.1:" + coordinator.httpPort() + "/metrics";
  }

  private static String agentMetricsUrl() {
    return "http://127.0.0.1:" + agent.httpPort() + "/metrics";
  }

  private static String liveAgentMetricsUrl() {
    return "http://127.0.0.1:" + liveAgent.httpPort() + "/metrics";
  }

  private static String scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = get(url);
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    return r.body();
  }

  private static JsonNode query(String promql) throws IOException, InterruptedException {
    HttpResponse<String> r = get(promUrl + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("status").asText()).as("query %s: %s", promql, r.body()).isEqualTo("success");
    return body.path("data");
  }

  /** The value of the single series {@code promql} returns, once it returns one. */
  private static double value(String promql) {
    double[] v = {Double.NaN};
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      JsonNode result = query(promql).path("result");
      if (result.size() != 1) {
        return false;
      }
      v[0] = Double.parseDouble(result.get(0).path("value").get(1).asText());
      return true;
    });
    return v[0];
  }

  /** Metric families ({@code # TYPE} lines) of an exposition, with their type. */
  private static Map<String, String> families(String exposition) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        out.put(p[2], p[3]);
      }
    }
    return out;
  }

  /** Names a query may use for the families: histograms add _bucket, _count, _sum. */
  private static Set<String> sampleNames(String exposition) {
    Set<String> out = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
        out.add(line.substring(0, end));
      }
    }
    return out;
  }

  @Test
  void promtoolAcceptsBothExpositions() throws Exception {
    for (String url : List.of(coordinatorMetricsUrl(), agentMetricsUrl(), liveAgentMetricsUrl())) {
      String body = scrape(url);
      // kept for a human to read after the build
      Files.writeString(Path.of("target", url.equals(agentMetricsUrl()) ? "metrics-agent.txt"
          : url.equals(liveAgentMetricsUrl()) ? "metrics-live-agent.txt" : "metrics-coordinator.txt"), body);
      Promtool.Result r = Promtool.run(body.getBytes(StandardCharsets.UTF_8), "check", "metrics");
      assertThat(r.output()).as("promtool check metrics on %s", url).isEmpty();
      assertThat(r.exit()).as("promtool check metrics on %s: %s", url, r.output()).isZero();
      for (String line : body.split("\n")) {
        if (line.startsWith("# HELP ")) {
          assertThat(line.split(" ", 4)).as("HELP text of %s", line).hasSize(4);
        }
      }
    }
  }

  @Test
  void promtoolAcceptsTheShippedRules() throws Exception {
    Promtool.Result r = Promtool.run(null, "check", "rules", RULES.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void prometheusScrapesBothDaemonsAndItsApiReturnsWpsyncSeries() throws Exception {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      JsonNode targets = JSON.readTree(get(promUrl + "/api/v1/targets").body()).path("data").path("activeTargets");
      assertThat(targets).hasSize(3);
      for (JsonNode t : targets) {
        assertThat(t.path("health").asText()).as("%s: %s", t.path("scrapeUrl").asText(), t.path("lastError").asText())
            .isEqualTo("up");
      }
    });
    assertThat(value("wpsync_coordinator_leader")).isEqualTo(1.0);
    assertThat(value("wpsync_coordinator_zk_connected")).isEqualTo(1.0);
    assertThat(value("min(wpsync_agent_ready)")).isEqualTo(1.0);
    assertThat(value("min(wpsync_agent_zk_connected)")).isEqualTo(1.0);
    assertThat(value("wpsync_agents{state=\"in_sync\"}")).isEqualTo(2.0);
    assertThat(value("wpsync_agents_behind_committed")).isZero();
    assertThat(value("wpsync_rollouts_total{outcome=\"committed\"}")).isEqualTo(1.0);
    assertThat(value("wpsync_committed_release_age_seconds")).isBetween(0.0, 600.0);
    assertThat(value("sum(wpsync_fetch_bytes_total)")).isPositive();
    assertThat(value("sum(wpsync_agent_switches_total)")).isEqualTo(2.0);
    assertThat(value("histogram_quantile(0.5, sum by (le) (wpsync_rollout_duration_seconds_bucket))")).isPositive();
    assertThat(value("sum(wpsync_agent_prepare_duration_seconds_count{outcome=\"prepared\"})")).isEqualTo(2.0);
    assertThat(value("wpsync_capture_watch_directories")).isPositive(); // the live agent watches its tree
    assertThat(value("wpsync_rollout_switch_skew_seconds_count")).isEqualTo(1.0);
    assertThat(value("sum(cache_gets_total{cache=\"scan\"})")).isGreaterThanOrEqualTo(0.0);
    assertThat(value("count(jvm_memory_used_bytes{job=\"wpsync-agent\"}) > 0")).isPositive();
    assertThat(value("count(jvm_memory_used_bytes{job=\"wpsync-coordinator\"}) > 0")).isPositive();
    assertThat(value("max(process_uptime_seconds{job=\"wpsync-agent\"})")).isPositive();
  }

  @Test
  void theShippedRulesLoadAndEvaluateHealthyAndNothingFires() throws Exception {
    JsonNode plain = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
    Set<String> expected = new TreeSet<>();
    plain.path("groups").forEach(g -> g.path("rules").forEach(r -> expected.add(r.path("alert").asText())));
    assertThat(expected).contains("WpsyncAgentNotReady", "WpsyncAgentBehindCommitted", "WpsyncRolloutAborted",
        "WpsyncVerificationFailures", "WpsyncNoLeader", "WpsyncCoordinatorZooKeeperDisconnected",
        "WpsyncAgentZooKeeperDisconnected");
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      JsonNode groups = JSON.readTree(get(promUrl + "/api/v1/rules").body()).path("data").path("groups");
      Set<String> loaded = new TreeSet<>();
      for (JsonNode g : groups) {
        for (JsonNode r : g.path("rules")) {
          loaded.add(r.path("name").asText());
          assertThat(r.path("health").asText()).as("rule %s: %s", r.path("name").asText(), r.path("lastError").asText())
              .isEqualTo("ok");
        }
      }
      assertThat(loaded).isEqualTo(expected);
    });
    // a healthy cluster: no wpsync alert is pending or firing
    JsonNode alerts = JSON.readTree(get(promUrl + "/api/v1/alerts").body()).path("data").path("alerts");
    List<String> active = new ArrayList<>();
    alerts.forEach(a -> {
      String name = a.path("labels").path("alertname").asText();
      if (name.startsWith("Wpsync") && !name.contains("ZooKeeperServerDown")) {
        active.add(name + " " + a.path("state").asText());
      }
    });
    assertThat(active).isEmpty();
  }

  @Test
  void everyDashboardQueryIsValidPromql() throws Exception {
    List<String> exprs = new ArrayList<>();
    collect(JSON.readTree(DASHBOARD.toFile()), "expr", exprs);
    assertThat(exprs).hasSizeGreaterThan(10);
    for (String e : exprs) {
      String promql = e.replace("$__rate_interval", "1m").replace("$__range", "1h").replace("$__interval", "15s");
      query(promql); // status success, or the assertion names the expression
    }
  }

  @Test
  void rulesAndDashboardNameOnlyMetricsTheDaemonsExpose() throws Exception {
    Set<String> exposed = new TreeSet<>(sampleNames(scrape(coordinatorMetricsUrl())));
    exposed.addAll(sampleNames(scrape(agentMetricsUrl())));
    exposed.addAll(sampleNames(scrape(liveAgentMetricsUrl())));
    List<String> exprs = new ArrayList<>();
    collect(new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()), "expr", exprs);
    collect(JSON.readTree(DASHBOARD.toFile()), "expr", exprs);
    Set<String> unknown = new TreeSet<>();
    for (String e : exprs) {
      Matcher m = METRIC_NAME.matcher(e);
      while (m.find()) {
        if (!exposed.contains(m.group(1)) && !ON_FIRST_EVENT.contains(m.group(1))) {
          unknown.add(m.group(1));
        }
      }
    }
    assertThat(unknown).as("metrics named by rules or dashboard that neither daemon exposes").isEmpty();
  }

  @Test
  void docsMetricsMdListsEveryWpsyncMetricAndNothingElse() throws Exception {
    Map<String, String> fams = new LinkedHashMap<>(families(scrape(coordinatorMetricsUrl())));
    fams.putAll(families(scrape(agentMetricsUrl())));
    fams.putAll(families(scrape(liveAgentMetricsUrl())));
    String doc = Files.readString(METRICS_DOC);
    Set<String> documented = new TreeSet<>();
    Matcher m = Pattern.compile("^\\| `([a-z0-9_]+)`", Pattern.MULTILINE).matcher(doc);
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> undocumented = new TreeSet<>();
    Set<String> wpsync = new TreeSet<>();
    for (Map.Entry<String, String> f : fams.entrySet()) {
      String name = f.getKey();
      assertThat(KNOWN_FAMILIES_PREFIXES.stream().anyMatch(name::startsWith)).as("unexpected family " + name).isTrue();
      if (!name.startsWith("wpsync_")) {
        continue; // JVM, process, system and cache meters are documented by prefix and binder
      }
      String base = name.endsWith("_max") && fams.containsKey(name.substring(0, name.length() - 4))
          ? name.substring(0, name.length() - 4) : name;
      wpsync.add(base);
      if (!documented.contains(base)) {
        undocumented.add(base);
      }
    }
    assertThat(undocumented).as("wpsync metrics missing from docs/metrics.md").isEmpty();
    Set<String> stale = new TreeSet<>(documented);
    stale.removeIf(n -> !n.startsWith("wpsync_") || wpsync.contains(n) || ON_FIRST_EVENT.contains(n));
    assertThat(stale).as("docs/metrics.md lists metrics no daemon exposes").isEmpty();
    for (String prefix : List.of("jvm_", "process_", "system_", "cache_")) {
      assertThat(doc).contains("`" + prefix);
    }
  }

  private static void collect(JsonNode n, String key, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(f -> {
        if (f.getKey().equals(key) && f.getValue().isTextual()) {
          out.add(f.getValue().asText());
        } else {
          collect(f.getValue(), key, out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collect(c, key, out));
    }
  }
}
