package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.coordinator.CoordinatorMetrics;
import io.wpsync.coordinator.fleet.AgentCensus;
import io.wpsync.coordinator.fleet.AgentProbe;
import io.wpsync.coordinator.fleet.FleetStatus;
import io.wpsync.coordinator.release.ReleaseRegistry;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.coordinator.zk.ZkClients;
import io.wpsync.core.scan.Scanner;
import io.wpsync.core.store.FileContentStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import io.wpsync.coordinator.proposal.CapturePolicy;
import io.wpsync.coordinator.proposal.ProposalDriver;
import io.wpsync.coordinator.proposal.ProposalReceiver;
import io.wpsync.coordinator.zk.ProposalStore;
import io.wpsync.core.scan.ScanRules;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/openapi.yaml} (parsed as YAML) lists exactly the routes and methods the coordinator
 * registers, each with the scope the router enforces ({@code x-scope}); every {@code /api/v1} route
 * needs a token, and every {@code $ref} resolves. The API is built from real, unstarted components
 * (nothing connects anywhere).
 */
class OpenApiRoutesTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "patch", "head", "options");

  @TempDir
  Path tmp;

  private static JsonNode spec() throws Exception {
    return new ObjectMapper(new YAMLFactory()).readTree(Path.of("..", "docs", "openapi.yaml").toFile());
  }

  private Map<String, Scope> registered() throws Exception {
    CuratorFramework client = ZkClients.newClient("127.0.0.1:1", "doc", Duration.ofSeconds(10));
    ClusterStore cluster = new ClusterStore(client);
    ReleaseStore releases = new ReleaseStore(client);
    CoordinatorMetrics metrics = new CoordinatorMetrics(new SimpleMeterRegistry(), System::currentTimeMillis);
    try (FileContentStore store = FileContentStore.open(tmp.resolve("store"));
        RolloutDriver driver = new RolloutDriver(cluster, releases, metrics, System::currentTimeMillis, Duration.ofMinutes(5));
        ReleaseRegistry registry = new ReleaseRegistry(releases, cluster, store, Scanner.builder().build(), "c1",
            Duration.ofSeconds(1), metrics, System::currentTimeMillis);
        AgentCensus census = new AgentCensus(client);
        AgentProbe probe = new AgentProbe(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, System::currentTimeMillis);
        ProposalDriver proposals = new ProposalDriver(new ProposalStore(client), cluster, releases, store, driver,
            metrics, new SimpleMeterRegistry(), "c1", Duration.ofSeconds(1), Duration.ofMinutes(5),
            System::currentTimeMillis)) {
      LeaderForwarder forwarder = new LeaderForwarder("c1", () -> "http://127.0.0.1:1", Optional::empty);
      Router router = new CoordinatorApi(registry, driver, cluster, new FleetStatus(census, probe, Duration.ofSeconds(1)),
          forwarder, "c1", Optional::empty,
          tmp.resolve("uploads"), TarBundle.Limits.defaults()).register(new Router());
      new ProposalApi(new ProposalReceiver(new ProposalStore(client), releases, cluster, store, proposals.manifests(),
          (m, sources) -> { },
          ScanRules.defaults(), CapturePolicy.APPROVE, "c1", System::currentTimeMillis, () -> { }), proposals, store,
          releases, forwarder).register(router);
      Map<String, Scope> out = new TreeMap<>();
      for (Router.Entry e : router.entries()) {
        out.put(e.method() + " " + e.pattern(), e.scope());
      }
      return out;
    } finally {
      client.close();
    }
  }

  private static Map<String, JsonNode> documented(JsonNode spec) {
    Map<String, JsonNode> out = new TreeMap<>();
    spec.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
      if (METHODS.contains(m.getKey())) {
        out.put(m.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey(), m.getValue());
      }
    }));
    return out;
  }

  @Test
  void openApiDocumentsExactlyTheRegisteredRoutesWithTheirScopes() throws Exception {
    Map<String, Scope> routes = registered();
    Map<String, JsonNode> docs = documented(spec());
    assertThat(docs.keySet()).as("documented routes (method + path)").isEqualTo(routes.keySet());
    routes.forEach((route, scope) -> {
      JsonNode op = docs.get(route);
      assertThat(op.path("x-scope").asText()).as("x-scope of " + route).isEqualTo(scope.name().toLowerCase(Locale.ROOT));
      assertThat(op.path("responses").has("401")).as(route + " documents 401").isTrue();
      if (scope == Scope.ADMIN) {
        assertThat(op.path("responses").has("403")).as(route + " documents 403").isTrue();
      }
    });
  }

  @Test
  void everyRouteNeedsATokenAndOnlyReadsTakeTheReadScope() throws Exception {
    registered().forEach((route, scope) -> {
      if (route.equals("POST /api/v1/proposals")) { // what a live agent's capture token may do
        assertThat(scope).as(route).isEqualTo(Scope.CAPTURE);
        return;
      }
      assertThat(scope).as(route).isIn(Scope.READ, Scope.ADMIN);
      assertThat(scope == Scope.READ).as(route).isEqualTo(route.startsWith("GET "));
    });
  }

  @Test
  void everyReferenceResolves() throws Exception {
    JsonNode spec = spec();
    List<String> refs = new ArrayList<>();
    collectRefs(spec, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).startsWith("#/");
      assertThat(spec.at(ref.substring(1)).isMissingNode()).as("unresolved " + ref).isFalse();
    }
  }

  private static void collectRefs(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.fields().forEachRemaining(f -> {
        if (f.getKey().equals("$ref")) {
          out.add(f.getValue().asText());
        } else {
          collectRefs(f.getValue(), out);
        }
      });
    } else if (n.isArray()) {
      n.forEach(c -> collectRefs(c, out));
    }
  }
}
