package io.wpsync.integrations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the mu-plugin's PHP tests ({@code integrations/wordpress/tests/run-tests.php}) with plain
 * {@code php} against a real coordinator and a real read-only agent (and a live one when this build
 * has local-change capture): status of the pod and the cluster, graceful degradation with an
 * unreachable agent, no coordinator or a wrong token, the page's escaping and its rollback commands,
 * "capture now", the hooks and the WP-CLI command. Skipped without php (a failure when CI=true).
 */
class MuPluginFunctionsIT {
  @TempDir
  Path dir;

  static Path pluginDir() {
    Path here = Path.of("").toAbsolutePath();
    Path p = Files.isDirectory(here.resolve("wordpress")) ? here.resolve("wordpress") : here.resolve("integrations/wordpress");
    if (!Files.isRegularFile(p.resolve("wpsync.php"))) {
      throw new IllegalStateException("cannot find integrations/wordpress/wpsync.php from " + here);
    }
    return p;
  }

  @Test
  void phpFunctionsAgainstRealDaemons() throws Exception {
    Path php = Tools.require("the mu-plugin's tests run with plain php", "php");
    try (WpsyncCluster cluster = new WpsyncCluster(dir.resolve("cluster"))) {
      cluster.startCoordinator();
      WpsyncCluster.Agent agent = cluster.startAgent("web-1", false);
      boolean live = cluster.hasLiveCapture();
      WpsyncCluster.Agent liveAgent = live ? cluster.startAgent("web-live", true) : null;

      Path tree = Files.createDirectories(dir.resolve("tree/themes/t"));
      Files.writeString(tree.resolve("style.css"), "/*\nTheme Name: T\n*/\n");
      String old = cluster.createRelease(Bundles.tar(dir.resolve("tree")), "first <script>alert(1)</script>");
      cluster.awaitCommitted(cluster.startRollout(old), Duration.ofSeconds(60));
      Files.writeString(tree.resolve("index.php"), "<?php echo 'v2';\n");
      String current = cluster.createRelease(Bundles.tar(dir.resolve("tree")), "second");
      String rollout = cluster.startRollout(current);
      cluster.awaitCommitted(rollout, Duration.ofSeconds(60));
      cluster.awaitCurrent(liveAgent == null ? List.of(agent) : List.of(agent, liveAgent), current, Duration.ofSeconds(30));

      ProcessBuilder pb = new ProcessBuilder(php.toString(), pluginDir().resolve("tests/run-tests.php").toString())
          .redirectErrorStream(true);
      pb.environment().put("WPSYNC_TEST_AGENT_URL", agent.httpUrl());
      pb.environment().put("WPSYNC_TEST_COORDINATOR_URL", cluster.coordinatorUrl());
      pb.environment().put("WPSYNC_TEST_TOKEN", cluster.captureToken());
      pb.environment().put("WPSYNC_TEST_CURRENT", current);
      pb.environment().put("WPSYNC_TEST_OLD_RELEASE", old);
      pb.environment().put("WPSYNC_TEST_ROLLOUT", rollout);
      pb.environment().put("WPSYNC_TEST_DEAD_URL", "http://127.0.0.1:" + WpsyncCluster.freePort());
      if (liveAgent != null) {
        pb.environment().put("WPSYNC_TEST_LIVE_AGENT_URL", liveAgent.httpUrl());
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      System.out.println(out);
      assertThat(p.exitValue()).as("run-tests.php:\n%s\n%s", out, cluster.logs()).isZero();
      assertThat(out).containsPattern("(?m)^(9|10) passed, 0 failed$");
    }
  }
}
