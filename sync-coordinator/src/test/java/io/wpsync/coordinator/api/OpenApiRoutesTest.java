package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.release.ReleaseRegistry;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.FileContentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/openapi.yaml} lists exactly the routes the coordinator registers, and every
 * {@code /api/v1} route needs a token. The API is built from real, unstarted components (nothing
 * connects anywhere).
 */
class OpenApiRoutesTest {
  private static final Pattern PATH = Pattern.compile("^  (/api/v1/\\S*):\\s*$");
  private static final Pattern METHOD = Pattern.compile("^    (get|post|put|delete|patch):\\s*$");

  @TempDir
  Path tmp;

  @Test
  void openApiDocumentsExactlyTheRegisteredRoutes() throws Exception {
    CuratorFramework client = ZkClients.newClient("127.0.0.1:1", "doc", Duration.ofSeconds(10));
    ClusterStore cluster = new ClusterStore(client);
    ReleaseStore releases = new ReleaseStore(client);
    CoordinatorMetrics metrics = new CoordinatorMetrics(new SimpleMeterRegistry(), System::currentTimeMillis);
    try (FileContentStore store = FileContentStore.open(tmp.resolve("store"));
        RolloutDriver driver = new RolloutDriver(cluster, releases, metrics, System::currentTimeMillis, Duration.ofMinutes(5));
        ReleaseRegistry registry = new ReleaseRegistry(releases, cluster, store, Scanner.builder().build(), "c1",
            Duration.ofSeconds(1), metrics, System::currentTimeMillis)) {
      Router router = new CoordinatorApi(registry, driver, cluster,
          new LeaderForwarder("c1", () -> "http://127.0.0.1:1", Optional::empty), "c1", Optional::empty,
          tmp.resolve("uploads"), TarBundle.Limits.defaults()).register(new Router());

      TreeSet<String> registered = new TreeSet<>();
      for (Router.Entry e : router.entries()) {
        registered.add(e.method() + " " + e.pattern());
        assertThat(e.scope()).as(e.pattern()).isIn(Scope.READ, Scope.ADMIN);
        assertThat(e.scope() == Scope.READ).as(e.method() + " " + e.pattern()).isEqualTo(e.method().equals("GET"));
      }
      assertThat(documented()).isEqualTo(registered);
    } finally {
      client.close();
    }
  }

  private static TreeSet<String> documented() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("..", "docs", "openapi.yaml"));
    TreeSet<String> out = new TreeSet<>();
    String path = null;
    List<String> seen = new ArrayList<>();
    for (String line : lines) {
      Matcher p = PATH.matcher(line);
      if (p.matches()) {
        path = p.group(1);
        continue;
      }
      if (!line.startsWith("  ") && !line.isBlank()) {
        path = null; // left the paths section
      }
      Matcher m = METHOD.matcher(line);
      if (path != null && m.matches()) {
        out.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + path);
        seen.add(path);
      }
    }
    assertThat(seen).isNotEmpty();
    return out;
  }
}
