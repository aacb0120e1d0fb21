package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every wpsync metric the alerts and the dashboard query exists: a real coordinator (embedded
 * ZooKeeper) and agent from the built jar run on 127.0.0.1 and their {@code /metrics} are scraped.
 * An alert on a misspelled metric would never fire.
 */
class MetricNamesIT {
  /** Meters registered on first use (tagged by error code), so absent from a quiet daemon; read in ServerMetrics. */
  static final Map<String, String> REGISTERED_ON_FIRST_USE = Map.of(
      "wpsync_peer_protocol_errors_total", "ServerMetrics.protocolError, tagged by error code",
      "wpsync_peer_upload_rejected_total", "ServerMetrics.rejected, tagged by error code");

  private static final Pattern METRIC = Pattern.compile("\\bwpsync_[a-z_]+\\b");

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void alertsAndDashboardQueryOnlyMetricsTheDaemonsExpose() throws Exception {
    Set<String> queried = new TreeSet<>();
    for (String file : List.of("monitoring/prometheus-rules.yaml", "monitoring/grafana-dashboard.json")) {
      Matcher m = METRIC.matcher(Files.readString(Kustomize.deployDir().resolve(file)));
      while (m.find()) {
        queried.add(m.group());
      }
    }
    assertThat(queried).contains("wpsync_agent_ready", "wpsync_coordinator_leader", "wpsync_rollouts_total");

    Files.writeString(dir.resolve("secret"), HexFormat.of().formatHex(random(32)));
    Files.writeString(dir.resolve("tokens"), "admin " + HexFormat.of().formatHex(random(16)) + "\n");
    int zk = freePort();
    int coordHttp = freePort();
    int agentHttp = freePort();
    List<Process> started = new ArrayList<>();
    try {
      started.add(start("coordinator.log", "coordinator", "--id", "c0", "--data", dir.resolve("c0").toString(),
          "--http", "127.0.0.1:" + coordHttp, "--p2p", "127.0.0.1:" + freePort(), "--embedded-zk",
          "--embedded-zk-port", String.valueOf(zk), "--token-file", dir.resolve("tokens").toString(),
          "--secret-file", dir.resolve("secret").toString()));
      awaitOk("http://127.0.0.1:" + coordHttp + "/readyz", started.get(0));
      started.add(start("agent.log", "agent", "--id", "a1", "--data", dir.resolve("a1/data").toString(),
          "--root", dir.resolve("a1/root").toString(), "--http", "127.0.0.1:" + agentHttp,
          "--p2p", "127.0.0.1:" + freePort(), "--zk", "127.0.0.1:" + zk,
          "--secret-file", dir.resolve("secret").toString()));
      awaitOk("http://127.0.0.1:" + agentHttp + "/healthz", started.get(1));
      Set<String> exposed = new TreeSet<>();
      for (int port : new int[] {coordHttp, agentHttp}) {
        for (String line : get("http://127.0.0.1:" + port + "/metrics").split("\n")) {
          Matcher m = METRIC.matcher(line);
          if (!line.startsWith("#") && m.lookingAt()) {
            exposed.add(m.group());
          }
        }
      }
      Set<String> missing = new TreeSet<>(queried);
      missing.removeAll(exposed);
      missing.removeAll(REGISTERED_ON_FIRST_USE.keySet());
      assertThat(missing).as("queried by deploy/monitoring but not exposed (exposed: %s)", exposed).isEmpty();
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        Process p = started.get(i);
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  private Process start(String log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", DaemonHelp.jar().toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
  }

  private void awaitOk(String url, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError(url + ": the daemon exited " + p.exitValue());
      }
      try {
        get(url);
        return;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError(url + " did not answer 200 within 60 s");
  }

  private String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(url + " answered " + r.statusCode());
    }
    return r.body();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
