package io.wpsync.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.LinkSpec;
import io.wpsync.cli.WpsyncMain;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The admin commands run in-process (as {@code wpsync ...} would, through {@link
 * WpsyncMain#commandLine()}) against a real coordinator (embedded ZooKeeper) and two real agent
 * daemons, all on loopback with ephemeral ports. Tests build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCommandsIT {
  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READ = "read-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  private static CoordinatorDaemon coordinator;
  private static final List<AgentDaemon> agents = new ArrayList<>();
  private static Path secret;
  private static String server;
  private static String r1;
  private static String r2;

  /** One command's outcome. */
  record Run(int exit, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "admin " + ADMIN + "\nread " + READ + "\n");
    secret = Files.writeString(dir.resolve("secret"), "s".repeat(40) + "\n");
    coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord-cli", dir.resolve("coord"), null)
        .withEmbeddedZk(0)
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withTokenFile(tokens)
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(1))
        .withRolloutDeadline(Duration.ofSeconds(30)));
    server = "http://127.0.0.1:" + coordinator.httpPort();
    await().atMost(WAIT).until(coordinator::isLeader);
    agents.add(AgentDaemon.start(agentConfig("agent-1")));
    agents.add(AgentDaemon.start(agentConfig("agent-2")));
    await().atMost(WAIT).until(() -> agents.stream().allMatch(a -> a.status().zkConnected()));
  }

  private static AgentConfig agentConfig(String id) {
    return AgentConfig.of(id, dir.resolve(id).resolve("data"), dir.resolve(id).resolve("root"), coordinator.zkConnect())
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withBehindGrace(Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    agents.forEach(AgentDaemon::close);
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private static Run wpsync(String token, String... args) {
    CommandLine cl = WpsyncMain.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--server=" + server);
    all.add("--token=" + token);
    int exit = cl.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private static String current(AgentDaemon a) throws IOException {
    Path link = a.config().rootDir().resolve("current");
    return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).getFileName().toString() : null;
  }

  private static Path site(String version) throws IOException {
    Path tree = dir.resolve("site-" + version);
    Files.createDirectories(tree.resolve("themes/base"));
    Files.writeString(tree.resolve("themes/base/style.css"), "/*\nTheme Name: base\nVersion: " + version + "\n*/\n");
    Files.createDirectories(tree.resolve("plugins/hello"));
    Files.writeString(tree.resolve("plugins/hello/hello.php"), "<?php\n/* Plugin Name: hello */\n");
    return tree;
  }

  private static Path zip(String name, String... pathAndContent) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      for (int i = 0; i < pathAndContent.length; i += 2) {
        z.putNextEntry(new ZipEntry(pathAndContent[i]));
        z.write(pathAndContent[i + 1].getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    return Files.write(dir.resolve(name), bytes.toByteArray());
  }

  @Test
  @Order(1)
  void releaseCreateAndRolloutStartWaitPrintPlainLinesAndSwitchEveryAgent() throws Exception {
    Run created = wpsync(ADMIN, "release", "create", site("1.0").toString(), "-m", "first", "-o", "json");
    assertThat(created.exit()).as(created.err()).isZero();
    r1 = created.json().path("id").asText();
    assertThat(created.json().path("contents").path("files").asInt()).isEqualTo(2);

    Run rollout = wpsync(ADMIN, "rollout", "start", r1, "--wait", "--progress", "plain");
    assertThat(rollout.exit()).as(rollout.out() + rollout.err()).isZero();
    // (an agent's "prepared" line shows only if a poll sees it before its report turns into "switched")
    assertThat(rollout.out())
        .contains("decision: COMMITTED")
        .contains("agent-1      switched").contains("switch skew:")
        .doesNotContain("\u001b["); // no terminal control codes in plain mode
    assertThat(rollout.out().indexOf("decision: COMMITTED")).isLessThan(rollout.out().indexOf("switched"));
    for (AgentDaemon a : agents) {
      assertThat(current(a)).isEqualTo(r1);
    }
  }

  @Test
  @Order(2)
  void themeInstallThenRolloutWithJsonOutput() throws Exception {
    Path theme = zip("fancy.zip", "fancy/style.css", "/*\nTheme Name: Fancy\n*/\n", "fancy/index.php", "<?php\n");
    Run installed = wpsync(ADMIN, "theme", "install", theme.toString(), "-o", "json");
    assertThat(installed.exit()).as(installed.err()).isZero();
    JsonNode r = installed.json();
    r2 = r.path("id").asText();
    assertThat(r.path("parent").asText()).isEqualTo(r1);
    assertThat(r.path("installed").path("slug").asText()).isEqualTo("fancy");
    assertThat(r.path("diff").path("added")).extracting(JsonNode::asText)
        .contains("themes/fancy/index.php", "themes/fancy/style.css");

    Run rollout = wpsync(ADMIN, "rollout", "start", r2, "--wait", "-o", "json");
    assertThat(rollout.exit()).as(rollout.err()).isZero();
    JsonNode done = rollout.json();
    assertThat(done.path("state").asText()).isEqualTo("COMMITTED");
    assertThat(done.path("switched").asInt()).isEqualTo(2);
    for (AgentDaemon a : agents) {
      await().atMost(WAIT).until(() -> r2.equals(current(a)));
      assertThat(a.config().rootDir().resolve("current/themes/fancy/style.css")).content().contains("Fancy");
      assertThat(a.config().rootDir().resolve("current/plugins/hello/hello.php")).exists();
    }
  }

  @Test
  @Order(3)
  void pluginInstallRefusesAStaleBaseUnlessAllowed() throws Exception {
    Path plugin = zip("hi.zip", "hi/hi.php", "<?php\n/*\n * Plugin Name: Hi\n */\n");
    Run stale = wpsync(ADMIN, "plugin", "install", plugin.toString(), "--base", r1);
    assertThat(stale.exit()).isEqualTo(1);
    assertThat(stale.err()).contains("base " + r1 + " is stale").contains("HTTP 409").doesNotContain("Exception");
    Run allowed = wpsync(ADMIN, "plugin", "install", plugin.toString(), "--base", r1, "--allow-stale-base", "-m", "hi");
    assertThat(allowed.exit()).as(allowed.err()).isZero();
    assertThat(allowed.out()).contains("plugin hi installed on " + r1).contains("2 added") // plugins/hi and plugins/hi/hi.php
        .contains("wpsync rollout start r");
    Run onCommitted = wpsync(ADMIN, "plugin", "install", plugin.toString());
    assertThat(onCommitted.exit()).isZero();
    assertThat(onCommitted.out()).contains("installed on " + r2);
    Run notAZip = wpsync(ADMIN, "theme", "install", dir.resolve("tokens").toString());
    assertThat(notAZip.exit()).isEqualTo(1);
    assertThat(notAZip.err()).contains("not a valid zip").contains("HTTP 422");
  }

  @Test
  @Order(4)
  void agentsListsAddressReleasesReadinessAndLastSeen() throws Exception {
    // the coordinator answers from a per-agent probe cache (at most 1 s old): wait for a fresh view
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
      Run r = wpsync(READ, "agents", "-o", "json");
      if (r.exit() != 0) {
        return false;
      }
      for (JsonNode a : r.json().path("agents")) {
        if (!a.path("ready").asBoolean()) {
          return false;
        }
      }
      return true;
    });
    Run json = wpsync(READ, "agents", "-o", "json");
    assertThat(json.exit()).as(json.err()).isZero();
    JsonNode list = json.json().path("agents");
    assertThat(list).hasSize(2);
    for (JsonNode a : list) {
      assertThat(a.path("address").asText()).startsWith("127.0.0.1:");
      assertThat(a.path("currentRelease").asText()).isEqualTo(r2);
      assertThat(a.path("onCommitted").asBoolean()).isTrue();
      assertThat(a.path("ready").asBoolean()).isTrue();
      assertThat(a.path("readyReason").asText()).contains("on the committed release");
      assertThat(a.path("lastSeen").asLong()).isPositive();
    }
    Run text = wpsync(READ, "agents");
    assertThat(text.out()).contains("AGENT").contains("agent-1").contains("agent-2").contains("yes").contains("s ago");

    Run releases = wpsync(READ, "releases");
    assertThat(releases.out()).contains(r1).contains(r2).contains("install theme fancy");
    Run show = wpsync(READ, "release", "show", r2);
    assertThat(show.out()).contains("+ themes/fancy/style.css").contains("diff from " + r1);
  }

  @Test
  @Order(5)
  void anAbortedRolloutExitsNonZeroAndStatusShowsWhy() throws Exception {
    // agent-2 comes back with a link that collides with the release tree: it cannot prepare
    AgentDaemon old = agents.remove(1);
    old.close();
    Path shared = Files.createDirectories(dir.resolve("shared-themes"));
    AgentDaemon bad = AgentDaemon.start(agentConfig("agent-2").withLinks(List.of(new LinkSpec("themes", shared))));
    agents.add(bad);
    await().atMost(WAIT).until(() -> bad.status().zkConnected());
    Run created = wpsync(ADMIN, "release", "create", site("2.0").toString(), "-o", "json");
    String r = created.json().path("id").asText();

    Run rollout = wpsync(ADMIN, "rollout", "start", r, "--wait", "--progress", "plain");
    assertThat(rollout.exit()).as(rollout.out()).isEqualTo(1);
    assertThat(rollout.out()).contains("agent-2      failed").contains("decision: ABORTED");
    assertThat(rollout.err()).contains("ABORTED").contains("agent-2");
    assertThat(current(agents.get(0))).isEqualTo(r2); // nothing switched

    Run list = wpsync(READ, "rollout", "list", "-o", "json");
    String id = list.json().path("rollouts").get(0).path("id").asText();
    Run status = wpsync(READ, "rollout", "status", id);
    assertThat(status.exit()).isZero();
    assertThat(status.out()).contains("ABORTED").contains("FAILED").contains("agent-2").contains("reason:");
    Run abort = wpsync(ADMIN, "rollout", "abort", id);
    assertThat(abort.exit()).isEqualTo(1);
    assertThat(abort.err()).contains("HTTP 409");
  }

  @Test
  @Order(6)
  void authFailuresAreOneLineErrors() {
    Run anonymous = wpsync("not-a-valid-token-at-all", "releases");
    assertThat(anonymous.exit()).isEqualTo(1);
    assertThat(anonymous.err()).contains("HTTP 401");
    Run readOnly = wpsync(READ, "rollback");
    assertThat(readOnly.exit()).isEqualTo(1);
    assertThat(readOnly.err()).contains("HTTP 403").contains("scope read");
    assertThat(readOnly.err().lines().count()).isEqualTo(1);
  }
}
