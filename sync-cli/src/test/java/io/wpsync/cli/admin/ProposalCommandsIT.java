package io.wpsync.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wpsync.agent.AgentConfig;
import io.wpsync.agent.AgentDaemon;
import io.wpsync.agent.AgentMode;
import io.wpsync.agent.HostPort;
import io.wpsync.agent.capture.CaptureSettings;
import io.wpsync.cli.WpsyncMain;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.coordinator.proposal.CapturePolicy;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ProposalState;
import io.wpsync.core.cluster.ReleaseInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code wpsync proposals} and {@code wpsync proposal ...} run in-process against a real coordinator
 * (embedded ZooKeeper, capture policy approve) and a real live agent on loopback.
 */
class ProposalCommandsIT {
  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READ = "read-token-0123456789abcdef";
  private static final String CAPTURE = "capture-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  private CoordinatorDaemon coordinator;
  private AgentDaemon agent;

  record Run(int exit, String out, String err) {}

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private Run wpsync(String token, String... args) {
    CommandLine cl = WpsyncMain.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--server=http://127.0.0.1:" + coordinator.httpPort());
    all.add("--token=" + token);
    int exit = cl.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void anAdminListsInspectsAndApprovesAPendingLocalChange() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "admin " + ADMIN + "\nread " + READ + "\ncapture "
        + CAPTURE + "\n");
    Path secret = Files.writeString(dir.resolve("secret"), "s".repeat(40) + "\n");
    coordinator = CoordinatorDaemon.start(CoordinatorConfig.of("coord-cli", dir.resolve("coord"), null)
        .withEmbeddedZk(0)
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withTokenFile(tokens)
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(1))
        .withCapturePolicy(CapturePolicy.APPROVE));
    await().atMost(WAIT).until(coordinator::isLeader);
    agent = AgentDaemon.start(AgentConfig.of("live-1", dir.resolve("a/data"), dir.resolve("a/root"),
            coordinator.zkConnect())
        .withSecretFile(secret)
        .withMode(AgentMode.LIVE)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCapture(CaptureSettings.defaults().withQuiet(Duration.ofMillis(200))
            .withTokenFile(Files.writeString(dir.resolve("capture-token"), CAPTURE))));
    await().atMost(WAIT).until(() -> agent.status().zkConnected());
    Path src = Files.createDirectories(dir.resolve("src/themes/demo"));
    Files.writeString(src.resolve("style.css"), "/* Theme Name: demo */\n");
    ReleaseInfo r1 = coordinator.releases().create(dir.resolve("src"), new ReleaseDraft("it", "first", null));
    coordinator.rollouts().start(RolloutRequest.of(r1.id()));
    Path live = agent.config().rootDir().resolve("current");
    await().atMost(WAIT).until(() -> Files.exists(live.resolve("themes/demo/style.css")));

    Files.writeString(live.resolve("themes/demo/functions.php"), "<?php // added in the dashboard\n");
    await().atMost(WAIT).until(() -> coordinator.proposals().list().stream()
        .anyMatch(p -> p.state() == ProposalState.PENDING));
    ProposalInfo p = coordinator.proposals().list().get(0);

    Run list = wpsync(READ, "proposals");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains("capture policy: approve").contains(p.id()).contains("PENDING").contains("live-1");

    Run show = wpsync(READ, "proposal", "show", p.id());
    assertThat(show.exit()).as(show.err()).isZero();
    assertThat(show.out()).contains("added").contains("themes/demo/functions.php");

    PrintStream stdout = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    Run file;
    try {
      file = wpsync(READ, "proposal", "file", p.id(), "themes/demo/functions.php");
    } finally {
      System.setOut(stdout);
    }
    assertThat(file.exit()).as(file.err()).isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("<?php // added in the dashboard\n");

    Run denied = wpsync(READ, "proposal", "approve", p.id());
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.err()).contains("403");

    Run approve = wpsync(ADMIN, "proposal", "approve", p.id(), "--by", "alice");
    assertThat(approve.exit()).as(approve.err()).isZero();
    assertThat(approve.out()).contains("QUEUED").contains("approved by alice");
    await().atMost(WAIT).until(() -> coordinator.proposals().get(p.id()).state() == ProposalState.COMMITTED);
    assertThat(wpsync(READ, "proposals", "--state", "committed").out()).contains(p.id());

    Run again = wpsync(ADMIN, "proposal", "reject", p.id());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("cannot reject").contains("COMMITTED");
  }
}
