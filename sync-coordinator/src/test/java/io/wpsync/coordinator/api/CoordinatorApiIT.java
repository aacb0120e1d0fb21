package io.wpsync.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wpsync.agent.HostPort;
import io.wpsync.coordinator.ClusterAgents;
import io.wpsync.coordinator.CoordinatorConfig;
import io.wpsync.coordinator.CoordinatorDaemon;
import io.wpsync.core.cluster.AgentReport;
import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API over real HTTP, on a real coordinator daemon (embedded ZooKeeper on a free port,
 * origin store on disk). Tests share one daemon and run in order: they build on each other's
 * releases and rollouts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CoordinatorApiIT {
  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READ = "read-token-0123456789abcdef";
  private static final String CAPTURE = "capture-token-0123456789abcdef";
  private static final long MAX_UPLOAD = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  private static CoordinatorDaemon daemon;
  private static String base;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static String r1;
  private static String r2;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "admin " + ADMIN + "\nread " + READ + "\ncapture " + CAPTURE + "\n");
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "s".repeat(40) + "\n");
    daemon = CoordinatorDaemon.start(CoordinatorConfig.of("coord-api", dir.resolve("data"), null)
        .withEmbeddedZk(0)
        .withHttp(new HostPort("127.0.0.1", 0))
        .withP2p(new HostPort("127.0.0.1", 0))
        .withTokenFile(tokens)
        .withSecretFile(secret)
        .withSessionTimeout(Duration.ofSeconds(3))
        .withMaxUploadBytes(MAX_UPLOAD));
    base = "http://127.0.0.1:" + daemon.httpPort();
    await().atMost(Duration.ofSeconds(20)).until(daemon::isLeader);
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static HttpResponse<String> send(String method, String path, String token, String type, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  private static HttpResponse<String> upload(byte[] tar, String type, String query) throws Exception {
    return send("POST", "/api/v1/releases" + query, ADMIN, type, tar);
  }

  private static HttpResponse<String> postJson(String path, String body) throws Exception {
    return send("POST", path, ADMIN, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static int releaseCount() throws Exception {
    return json(send("GET", "/api/v1/releases", READ, null, null)).path("releases").size();
  }

  private static long uploadLeftovers() throws IOException {
    Path uploads = dir.resolve("data/tmp/uploads");
    if (!Files.exists(uploads)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(uploads)) {
      return s.count();
    }
  }

  @Test
  @Order(1)
  void healthAndReadinessArePublicAndTheApiNeedsAToken() throws Exception {
    assertThat(send("GET", "/healthz", null, null, null).statusCode()).isEqualTo(200);
    HttpResponse<String> ready = send("GET", "/readyz", null, null, null);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("leader");
    HttpResponse<String> anon = send("GET", "/api/v1/releases", null, null, null);
    assertThat(anon.statusCode()).isEqualTo(401);
    assertThat(anon.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(send("GET", "/api/v1/releases", "wrong-token-0123456789", null, null).statusCode()).isEqualTo(401);
    // a read token may read but not change anything
    assertThat(send("GET", "/api/v1/status", READ, null, null).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/api/v1/rollouts", READ, "application/json", "{\"release\":\"r1\"}".getBytes()).statusCode())
        .isEqualTo(403);
  }

  @Test
  @Order(2)
  void createReleaseFromATarAndReadItBack() throws Exception {
    HttpResponse<String> r = upload(Tars.sampleSite("1.0").bytes(), "application/x-tar", "?message=first%20cut&author=alice");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode rel = json(r);
    r1 = rel.path("id").asText();
    assertThat(r1).matches("r\\d{10}");
    assertThat(r.headers().firstValue("location")).hasValue("/api/v1/releases/" + r1);
    assertThat(rel.path("fileCount").asInt()).isEqualTo(3);
    assertThat(rel.path("author").asText()).isEqualTo("alice");
    assertThat(rel.path("message").asText()).isEqualTo("first cut");
    assertThat(rel.path("copies").asInt()).isEqualTo(1); // a lone coordinator
    assertThat(rel.path("parent").isNull() || rel.path("parent").isMissingNode()).isTrue();

    // the manifest and every object are in the origin store: reopen it read-only after the daemon? no:
    // check through the registry, which reads the store
    assertThat(daemon.releases().manifest(daemon.releases().get(r1)).fileCount()).isEqualTo(3);
    assertThat(uploadLeftovers()).isZero();

    JsonNode one = json(send("GET", "/api/v1/releases/" + r1, READ, null, null));
    assertThat(one.path("id").asText()).isEqualTo(r1);
    assertThat(one.path("diffNote").asText()).isEqualTo("no parent release");
  }

  @Test
  @Order(3)
  void rolloutWithoutAgentsCommitsAndTheNextReleaseDiffsAgainstIt() throws Exception {
    HttpResponse<String> started = postJson("/api/v1/rollouts", "{\"release\":\"" + r1 + "\"}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = json(started).path("id").asText();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        json(send("GET", "/api/v1/rollouts/" + id, READ, null, null)).path("state").asText().equals("COMMITTED"));
    assertThat(json(send("GET", "/api/v1/status", READ, null, null)).path("committed").path("releaseId").asText())
        .isEqualTo(r1);
    HttpResponse<String> again = postJson("/api/v1/rollouts", "{\"release\":\"" + r1 + "\"}");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(json(again).path("detail").asText()).contains("already the committed release");

    HttpResponse<String> second = upload(Tars.sampleSite("2.0").gzipped(), "application/gzip", "?message=v2");
    assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
    r2 = json(second).path("id").asText();
    assertThat(json(second).path("parent").asText()).isEqualTo(r1);
    JsonNode details = json(send("GET", "/api/v1/releases/" + r2, READ, null, null));
    assertThat(details.path("diff").path("from").asText()).isEqualTo(r1);
    assertThat(details.path("diff").path("changed")).extracting(JsonNode::asText)
        .containsExactly("themes/demo/functions.php", "themes/demo/style.css");
    assertThat(details.path("diff").path("summary").path("added").asInt()).isZero();
  }

  @Test
  @Order(4)
  void concurrentRolloutIsRefusedWith409NamingTheActiveOne() throws Exception {
    try (ClusterAgents.Agent agent = ClusterAgents.join(daemon.zkConnect(), "default", "agent-1")) {
      HttpResponse<String> first = postJson("/api/v1/rollouts", "{\"release\":\"" + r2 + "\",\"deadlineSeconds\":60}");
      assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
      String id = json(first).path("id").asText();
      assertThat(json(first).path("participants")).extracting(JsonNode::asText).containsExactly("agent-1");

      HttpResponse<String> second = postJson("/api/v1/rollouts", "{\"release\":\"" + r1 + "\"}");
      assertThat(second.statusCode()).isEqualTo(409);
      assertThat(json(second).path("detail").asText()).contains(id);

      HttpResponse<String> abort = postJson("/api/v1/rollouts/" + id + "/abort", "");
      assertThat(abort.statusCode()).as(abort.body()).isEqualTo(200);
      assertThat(json(abort).path("state").asText()).isEqualTo("ABORTED");
      assertThat(postJson("/api/v1/rollouts/" + id + "/abort", "").statusCode()).isEqualTo(409);

      // the agent prepares and switches a new rollout; status shows it and the skew
      HttpResponse<String> third = postJson("/api/v1/rollouts", "{\"release\":\"" + r2 + "\",\"policy\":\"exclude\",\"maxExcludedShare\":0.5}");
      assertThat(third.statusCode()).as(third.body()).isEqualTo(202);
      String id3 = json(third).path("id").asText();
      agent.report(id3, AgentReport.State.PREPARED, null);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          json(send("GET", "/api/v1/rollouts/" + id3, READ, null, null)).path("state").asText().equals("COMMITTED"));
      agent.report(id3, AgentReport.State.SWITCHED, null);
      JsonNode s = json(send("GET", "/api/v1/rollouts/" + id3, READ, null, null));
      assertThat(s.path("agents").get(0).path("state").asText()).isEqualTo("SWITCHED");
      assertThat(s.path("switchSkewMillis").asLong(-1)).isZero();
      assertThat(json(send("GET", "/api/v1/agents", READ, null, null)).path("agents").get(0).path("id").asText())
          .isEqualTo("agent-1");
    }
  }

  @Test
  @Order(5)
  void rollbackReturnsToThePreviousCommittedRelease() throws Exception {
    HttpResponse<String> r = postJson("/api/v1/rollback", "{}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(json(r).path("rollback").asBoolean()).isTrue();
    assertThat(json(r).path("target").asText()).isEqualTo(r1);
    String id = json(r).path("id").asText();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        json(send("GET", "/api/v1/rollouts/" + id, READ, null, null)).path("state").asText().equals("COMMITTED"));
    JsonNode list = json(send("GET", "/api/v1/rollouts", READ, null, null));
    assertThat(list.path("rollouts").get(0).path("id").asText()).isEqualTo(id);
  }

  @Test
  @Order(6)
  void unknownThingsAre404AndBadRequestsAre400() throws Exception {
    assertThat(send("GET", "/api/v1/releases/r0000000999", READ, null, null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/v1/rollouts/ro-20200101-000000-0000", READ, null, null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/v1/rollouts/..%2F..", READ, null, null).statusCode()).isEqualTo(404);
    HttpResponse<String> missing = postJson("/api/v1/rollouts", "{\"release\":\"r0000000999\"}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(postJson("/api/v1/rollouts", "{\"release\":").statusCode()).isEqualTo(400);
    assertThat(postJson("/api/v1/rollouts", "{\"release\":\"" + r2 + "\",\"bogus\":1}").statusCode()).isEqualTo(400);
    assertThat(postJson("/api/v1/rollouts", "{\"release\":\"" + r2 + "\",\"deadlineSeconds\":0}").statusCode()).isEqualTo(400);
    assertThat(postJson("/api/v1/rollouts", "{\"release\":\"" + r2 + "\",\"policy\":\"maybe\"}").statusCode()).isEqualTo(400);
    assertThat(upload(new byte[] {'P', 'K', 3, 4}, "application/zip", "").statusCode()).isEqualTo(415);
  }

  @Test
  @Order(7)
  void hostileTarsAre422AndPublishNothing() throws Exception {
    int before = releaseCount();
    HttpResponse<String> slip = upload(new Tars().file("themes/ok.css", "x").file("../../../tmp/evil.php", "<?php").bytes(),
        "application/x-tar", "");
    assertThat(slip.statusCode()).isEqualTo(422);
    assertThat(json(slip).path("detail").asText()).contains("../../../tmp/evil.php");
    HttpResponse<String> abs = upload(new Tars().file("/etc/evil", "x").bytes(), "application/x-tar", "");
    assertThat(abs.statusCode()).isEqualTo(422);
    assertThat(json(abs).path("detail").asText()).contains("absolute path");
    HttpResponse<String> link = upload(new Tars().symlink("themes/x", "../../etc/passwd").bytes(), "application/x-tar", "");
    assertThat(link.statusCode()).isEqualTo(422);
    HttpResponse<String> empty = upload(new Tars().file("uploads/2024/a.jpg", "jpg").bytes(), "application/x-tar", "");
    assertThat(empty.statusCode()).isEqualTo(422);
    assertThat(json(empty).path("detail").asText()).contains("no file the scan rules keep");
    HttpResponse<String> badBase = upload(Tars.sampleSite("3").bytes(), "application/x-tar", "?base=r0000000999");
    assertThat(badBase.statusCode()).isEqualTo(404);
    assertThat(releaseCount()).isEqualTo(before);
    assertThat(uploadLeftovers()).isZero();
  }

  @Test
  @Order(8)
  void oversizeUploadIs413() throws Exception {
    int before = releaseCount();
    byte[] big = new byte[(int) MAX_UPLOAD + 1024];
    HttpResponse<String> r = upload(new Tars().file("themes/big.bin", big, 0100644).bytes(), "application/x-tar", "");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(releaseCount()).isEqualTo(before);
  }

  @Test
  @Order(9)
  void metricsAreExposedWithDescriptions() throws Exception {
    String m = send("GET", "/metrics", null, null, null).body();
    assertThat(m).contains("wpsync_rollouts_total{outcome=\"committed\"}")
        .contains("wpsync_rollouts_total{outcome=\"aborted\"}")
        .contains("wpsync_releases_total 2.0")
        .contains("wpsync_rollout_duration_seconds_count")
        .contains("wpsync_rollout_switch_skew_seconds_count")
        .contains("wpsync_committed_release_age_seconds")
        .contains("wpsync_coordinator_leader 1.0")
        .contains("# HELP wpsync_rollouts_total Rollouts decided");
  }

  @Test
  @Order(10)
  void originServesTheStoreAndTheStoreHoldsTheManifest() throws Exception {
    // the store lock is held by the daemon; look at the files it wrote
    String manifest = json(send("GET", "/api/v1/releases/" + r1, READ, null, null)).path("manifestId").asText();
    Digest d = Digest.parse(manifest);
    try (Stream<Path> s = Files.walk(dir.resolve("data/store"))) {
      assertThat(s.anyMatch(p -> p.endsWith(Path.of(d.hex().substring(0, 2), d.hex().substring(2))))).isTrue();
    }
    assertThat(daemon.p2pPort()).isPositive();
  }

  // ------------------------------------------------------------------ theme and plugin zips

  private static HttpResponse<String> install(String kind, byte[] zip, String query) throws Exception {
    return send("POST", "/api/v1/releases/" + kind + query, ADMIN, "application/zip", zip);
  }

  private static String committedRelease() throws Exception {
    return json(send("GET", "/api/v1/status", READ, null, null)).path("committed").path("releaseId").asText();
  }

  private static String commit(String release) throws Exception {
    HttpResponse<String> started = postJson("/api/v1/rollouts", "{\"release\":\"" + release + "\"}");
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = json(started).path("id").asText();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        json(send("GET", "/api/v1/rollouts/" + id, READ, null, null)).path("state").asText().equals("COMMITTED"));
    return id;
  }

  @Test
  @Order(11)
  void aThemeZipIsInstalledOnTopOfTheCommittedRelease() throws Exception {
    String base = committedRelease();
    HttpResponse<String> r = install("theme", Zips.theme("twentyfoo", "1.0").bytes(), "?author=bob");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode rel = json(r);
    String id = rel.path("id").asText();
    assertThat(r.headers().firstValue("location")).hasValue("/api/v1/releases/" + id);
    assertThat(rel.path("parent").asText()).isEqualTo(base);
    assertThat(rel.path("message").asText()).isEqualTo("install theme twentyfoo");
    assertThat(rel.path("installed").path("slug").asText()).isEqualTo("twentyfoo");
    assertThat(rel.path("installed").path("path").asText()).isEqualTo("themes/twentyfoo");
    assertThat(rel.path("diff").path("from").asText()).isEqualTo(base);
    assertThat(rel.path("diff").path("added")).extracting(JsonNode::asText).contains(
        "themes/twentyfoo/style.css", "themes/twentyfoo/index.php", "themes/twentyfoo/assets/app.js");
    assertThat(rel.path("diff").path("summary").path("removed").asInt()).isZero();
    assertThat(rel.path("contents").path("files").asInt()).isEqualTo(3 + 3);
    assertThat(rel.path("committed").asBoolean()).isFalse();
    // everything of the base is still there
    assertThat(daemon.releases().manifest(daemon.releases().get(id)).entry("plugins/hello/hello.php")).isPresent();
    assertThat(uploadLeftovers()).isZero();
  }

  @Test
  @Order(12)
  void anUpdateReplacesTheWholeDirectoryAndChainsOnANewerBase() throws Exception {
    String committed = committedRelease();
    String first = json(install("plugin", Zips.plugin("hello-dolly", "1.0").file("hello-dolly/old.php", "<?php")
        .bytes(), "")).path("id").asText();
    // a base newer than the committed release and built on it is fine (a chain of unreleased changes)
    HttpResponse<String> upd = install("plugin", Zips.plugin("hello-dolly", "2.0").bytes(), "?base=" + first);
    assertThat(upd.statusCode()).as(upd.body()).isEqualTo(201);
    JsonNode d = json(upd).path("diff");
    assertThat(d.path("from").asText()).isEqualTo(first);
    assertThat(d.path("removed")).extracting(JsonNode::asText).containsExactly("plugins/hello-dolly/old.php");
    assertThat(d.path("changed")).extracting(JsonNode::asText).containsExactly("plugins/hello-dolly/hello-dolly.php");
    assertThat(json(upd).path("parent").asText()).isEqualTo(first);
    assertThat(committedRelease()).isEqualTo(committed); // nothing was rolled out
  }

  @Test
  @Order(13)
  void aStaleBaseIs409UnlessAllowedAndAMissingOneIs404() throws Exception {
    String old = committedRelease();
    String newer = json(install("theme", Zips.theme("other", "1").bytes(), "")).path("id").asText();
    commit(newer);
    int before = releaseCount();
    HttpResponse<String> stale = install("theme", Zips.theme("late", "1").bytes(), "?base=" + old);
    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
    assertThat(json(stale).path("detail").asText()).contains("base " + old + " is stale").contains(newer);
    HttpResponse<String> staleTar = upload(Tars.sampleSite("9").bytes(), "application/x-tar", "?base=" + old);
    assertThat(staleTar.statusCode()).isEqualTo(409);
    assertThat(install("plugin", Zips.plugin("p", "1").bytes(), "?base=r0000000999").statusCode()).isEqualTo(404);
    assertThat(install("plugin", Zips.plugin("p", "1").bytes(), "?allowStaleBase=perhaps").statusCode()).isEqualTo(400);
    assertThat(releaseCount()).isEqualTo(before);

    HttpResponse<String> allowed = install("theme", Zips.theme("late", "1").bytes(), "?allowStaleBase=true&base=" + old);
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(201);
    assertThat(json(allowed).path("parent").asText()).isEqualTo(old);
  }

  @Test
  @Order(14)
  void hostileOrWrongZipsChangeNothing() throws Exception {
    int before = releaseCount();
    HttpResponse<String> slip = install("theme", Zips.theme("t", "1").file("t/../../../../tmp/evil.php", "<?php").bytes(), "");
    assertThat(slip.statusCode()).isEqualTo(422);
    assertThat(slip.headers().firstValue("content-type")).hasValue("application/problem+json");
    assertThat(json(slip).path("detail").asText()).contains("zip slip");
    assertThat(install("theme", Zips.theme("t", "1").file("/etc/evil", "x").bytes(), "").statusCode()).isEqualTo(422);
    HttpResponse<String> link = install("theme", Zips.theme("t", "1").symlink("t/x", "../../../etc/passwd").bytes(), "");
    assertThat(link.statusCode()).isEqualTo(422);
    assertThat(json(link).path("detail").asText()).contains("points outside");
    assertThat(install("plugin", Zips.theme("t", "1").bytes(), "").statusCode()).isEqualTo(422); // a theme, not a plugin
    assertThat(install("theme", "garbage".getBytes(), "").statusCode()).isEqualTo(422);
    assertThat(send("POST", "/api/v1/releases/theme", ADMIN, "application/x-tar", Tars.sampleSite("1").bytes())
        .statusCode()).isEqualTo(415);
    assertThat(send("POST", "/api/v1/releases/theme", ADMIN, null, Tars.sampleSite("1").bytes()).statusCode())
        .isEqualTo(422); // no type and no zip signature
    byte[] noise = new byte[(int) MAX_UPLOAD + 1];
    new java.util.Random(1).nextBytes(noise);
    assertThat(install("theme", Zips.theme("big", "1").file("big/noise.bin", noise, 0100644).bytes(), "").statusCode())
        .isEqualTo(413);
    assertThat(send("POST", "/api/v1/releases/plugin", null, "application/zip", Zips.plugin("p", "1").bytes())
        .statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/v1/releases/plugin", READ, "application/zip", Zips.plugin("p", "1").bytes())
        .statusCode()).isEqualTo(403);
    assertThat(send("POST", "/api/v1/releases/plugin", CAPTURE, "application/zip", Zips.plugin("p", "1").bytes())
        .statusCode()).isEqualTo(403);
    assertThat(releaseCount()).isEqualTo(before);
    assertThat(uploadLeftovers()).isZero();
  }

  @Test
  @Order(15)
  void aCaptureTokenReadsButChangesNothingAndAgentsShowAddressAndLastSeen() throws Exception {
    assertThat(send("GET", "/api/v1/releases", CAPTURE, null, null).statusCode()).isEqualTo(200);
    assertThat(postJsonAs(CAPTURE, "/api/v1/rollback", "{}").statusCode()).isEqualTo(403);
    assertThat(send("POST", "/api/v1/releases", CAPTURE, "application/x-tar", Tars.sampleSite("1").bytes()).statusCode())
        .isEqualTo(403);
    try (ClusterAgents.Agent agent = ClusterAgents.join(daemon.zkConnect(), "default", "agent-9")) {
      await().atMost(Duration.ofSeconds(10)).until(() ->
          json(send("GET", "/api/v1/agents?live=false", READ, null, null)).path("agents").size() == 1);
      JsonNode list = json(send("GET", "/api/v1/agents", READ, null, null));
      assertThat(list.path("committed").asText()).isEqualTo(committedRelease());
      JsonNode a = list.path("agents").get(0);
      assertThat(a.path("id").asText()).isEqualTo("agent-9");
      assertThat(a.path("address").asText()).isEqualTo("127.0.0.1:1");
      assertThat(a.path("state").asText()).isEqualTo("IN_SYNC");
      assertThat(a.path("onCommitted").asBoolean(true)).isFalse();
      assertThat(a.path("lastSeen").asLong(-1)).isZero(); // its HTTP port 1 never answers
      assertThat(a.path("probeError").asText()).contains("http://127.0.0.1:1/status");
      assertThat(send("GET", "/api/v1/agents?live=maybe", READ, null, null).statusCode()).isEqualTo(400);
    }
  }

  private static HttpResponse<String> postJsonAs(String token, String path, String body) throws Exception {
    return send("POST", path, token, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }
}
