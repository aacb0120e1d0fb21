package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.HostPort;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinator daemons on one ZooKeeper: a release uploaded to either is replicated peer-to-peer
 * into the other's store before it is published (copies = 2); a standby forwards rollout requests
 * to the leader; when the leader stops, the standby leads and its store already holds the release.
 */
class TwoCoordinatorsIT {
  private static final String TOKEN = "admin-token-0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  private CoordinatorDaemon coordinator(TestingServer zk, String id) throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "admin " + TOKEN + "\n");
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "k".repeat(48) + "\n");
    return CoordinatorDaemon.start(CoordinatorConfig.of(id, dir.resolve(id), zk.getConnectString())
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withTokenFile(tokens)
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withCopyWait(Duration.ofSeconds(30)));
  }

  private HttpResponse<String> post(CoordinatorDaemon d, String path, String type, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(d.httpUrl() + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(CoordinatorDaemon d, String path) throws Exception {
    return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(d.httpUrl() + path))
        .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  @Test
  void releaseIsPublishedWithTwoCopiesAndTheStandbyForwardsRollouts() throws Exception {
    try (TestingServer zk = new TestingServer(true)) {
      CoordinatorDaemon a = coordinator(zk, "coord-a");
      CoordinatorDaemon b = coordinator(zk, "coord-b");
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
        CoordinatorDaemon leader = a.isLeader() ? a : b;
        CoordinatorDaemon standby = leader == a ? b : a;

        // upload to the standby: the leader replicates it before it is published
        HttpResponse<String> created = post(standby, "/api/v1/releases?message=two%20copies", "application/x-tar",
            Tars.sampleSite("1").bytes());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode rel = JSON.readTree(created.body());
        assertThat(rel.path("copies").asInt()).isEqualTo(2);
        String id = rel.path("id").asText();
        assertThat(leader.releases().manifest(leader.releases().get(id)).fileCount()).isEqualTo(3);
        assertThat(standby.releases().manifest(standby.releases().get(id)).fileCount()).isEqualTo(3);

        // the standby forwards a rollout start to the leader
        HttpResponse<String> started = post(standby, "/api/v1/rollouts", "application/json",
            ("{\"release\":\"" + id + "\"}").getBytes());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(started.headers().firstValue(LeaderForwarder.LEADER_HEADER)).hasValue(leader.httpUrl());
        String rollout = JSON.readTree(started.body()).path("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() ->
            get(standby, "/api/v1/rollouts/" + rollout).path("state").asText().equals("COMMITTED"));
        assertThat(get(standby, "/api/v1/status").path("leaderId").asText()).isEqualTo(leader.config().id());

        // the leader stops: the standby takes over
        leader.close();
        await().atMost(Duration.ofSeconds(20)).until(standby::isLeader);
        JsonNode status = get(standby, "/api/v1/status");
        assertThat(status.path("leader").asBoolean()).isTrue();
        assertThat(status.path("committed").path("releaseId").asText()).isEqualTo(id);
      } finally {
        b.close();
        a.close();
      }
    }
  }
}
