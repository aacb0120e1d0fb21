package io.wpsync.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.agent.http.ApiException;
import io.wpsync.agent.http.ApiJson;
import io.wpsync.agent.http.ApiRequest;
import io.wpsync.agent.http.ApiResponse;
import io.wpsync.agent.http.Route;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.coordinator.fleet.AgentView;
import io.wpsync.coordinator.fleet.FleetStatus;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.release.ReleaseRegistry;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.CommittedRelease;
import io.wpsync.core.cluster.CoordinatorInfo;
import io.wpsync.core.cluster.FailurePolicy;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.cluster.RolloutInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The coordinator's REST API ({@code /api/v1}, documented in {@code docs/openapi.yaml}): release
 * upload (a tree as tar, or a theme or plugin zip on top of a base release) and history, rollout
 * start/status/abort, rollback, agents and cluster status. Every route needs a bearer token: READ
 * for reads (a CAPTURE token, which a WordPress pod may hold, reads too), ADMIN for anything that
 * creates releases or drives rollouts; errors are problem+json. Routes that drive rollouts run on
 * the leader only: a standby forwards them ({@link LeaderForwarder}).
 *
 * <pre>{@code
 * Router router = new CoordinatorApi(registry, driver, cluster, fleet, forwarder, selfId, leaderId, workDir, limits)
 *     .register(new Router());
 * }</pre>
 */
public final class CoordinatorApi {
  /** Rollouts listed by {@code GET /api/v1/rollouts}. */
  static final int RECENT_ROLLOUTS = RolloutDriver.KEEP_ROLLOUTS;

  private final ReleaseRegistry registry;
  private final RolloutDriver driver;
  private final ClusterStore cluster;
  private final FleetStatus fleet;
  private final LeaderForwarder forwarder;
  private final Supplier<Optional<String>> leaderId;
  private final String selfId;
  private final Path workDir;
  private final TarBundle.Limits limits;

  public CoordinatorApi(ReleaseRegistry registry, RolloutDriver driver, ClusterStore cluster, FleetStatus fleet,
      LeaderForwarder forwarder, String selfId, Supplier<Optional<String>> leaderId, Path workDir,
      TarBundle.Limits limits) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.fleet = Objects.requireNonNull(fleet, "fleet");
    this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
    this.selfId = Objects.requireNonNull(selfId, "selfId");
    this.leaderId = Objects.requireNonNull(leaderId, "leaderId");
    this.workDir = Objects.requireNonNull(workDir, "workDir");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** Adds every {@code /api/v1} route to {@code router}. */
  public Router register(Router router) {
    return router
        .upload("/api/v1/releases", Scope.ADMIN, guard(this::createRelease))
        .upload("/api/v1/releases/theme", Scope.ADMIN, guard(req -> install(req, BundleKind.THEME)))
        .upload("/api/v1/releases/plugin", Scope.ADMIN, guard(req -> install(req, BundleKind.PLUGIN)))
        .get("/api/v1/releases", Scope.READ, guard(this::listReleases))
        .get("/api/v1/releases/{id}", Scope.READ, guard(req -> ApiResponse.json(200, registry.details(req.pathParam("id")))))
        .post("/api/v1/rollouts", Scope.ADMIN, guard(leaderOnly(this::startRollout)))
        .get("/api/v1/rollouts", Scope.READ, guard(req -> ApiResponse.json(200, new RolloutList(driver.recent(RECENT_ROLLOUTS)))))
        .get("/api/v1/rollouts/{id}", Scope.READ, guard(this::rolloutStatus))
        .post("/api/v1/rollouts/{id}/abort", Scope.ADMIN, guard(leaderOnly(req ->
            ApiResponse.json(200, driver.abort(req.pathParam("id"), "aborted by an operator")))))
        .post("/api/v1/rollback", Scope.ADMIN, guard(leaderOnly(this::rollback)))
        .get("/api/v1/agents", Scope.READ, guard(this::listAgents))
        .get("/api/v1/status", Scope.READ, guard(req -> ApiResponse.json(200, status())));
  }

  // ------------------------------------------------------------------ releases

  private ApiResponse createRelease(ApiRequest req) throws Exception {
    TarBundle.Compression compression = compression(req);
    ReleaseDraft draft = draft(req);
    Path tree = newWorkTree();
    try {
      TarBundle.extract(req.bodyFile(), compression, tree, limits);
      ReleaseInfo r = registry.create(tree, draft);
      return created(r, null);
    } finally {
      TarBundle.deleteTree(tree);
    }
  }

  /** {@code POST /api/v1/releases/theme|plugin}: a WordPress zip installed on top of a base release. */
  private ApiResponse install(ApiRequest req, BundleKind kind) throws Exception {
    checkZipType(req);
    ReleaseDraft draft = draft(req);
    Path tree = newWorkTree();
    try {
      ZipBundle.Extracted x = ZipBundle.extract(req.bodyFile(), kind, tree, limits);
      if (draft.message() == null) {
        draft = draft.withMessage("install " + kind.label() + " " + x.slug());
      }
      ReleaseInfo r = registry.install(x.tree(), x.releasePath(), draft);
      return created(r, new Installed(kind.label(), x.slug(), x.releasePath()));
    } finally {
      TarBundle.deleteTree(tree);
    }
  }

  /** What a theme or plugin upload installed. */
  record Installed(String kind, String slug, String path) {}

  private ApiResponse created(ReleaseInfo r, Installed installed) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode body = ApiJson.mapper().valueToTree(registry.details(r.id()));
    if (installed != null) {
      body.set("installed", ApiJson.mapper().valueToTree(installed));
    }
    return ApiResponse.json(201, body).withHeader("Location", "/api/v1/releases/" + r.id());
  }

  private static ReleaseDraft draft(ApiRequest req) throws ApiException {
    return new ReleaseDraft(req.query("author").orElse(null), req.query("message").orElse(null),
        req.query("base").orElse(null), flag(req, "allowStaleBase", false));
  }

  private Path newWorkTree() throws java.io.IOException {
    Files.createDirectories(workDir);
    return workDir.resolve("release-" + Long.toHexString(System.nanoTime()) + "-" + Thread.currentThread().getId());
  }

  private static boolean flag(ApiRequest req, String name, boolean dflt) throws ApiException {
    Optional<String> v = req.query(name);
    if (v.isEmpty() || v.get().isEmpty()) {
      return dflt;
    }
    return switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw ApiException.badRequest(name + " must be true or false, got '" + v.get() + "'");
    };
  }

  private static void checkZipType(ApiRequest req) throws Exception {
    String type = mediaType(req);
    switch (type) {
      case "application/zip", "application/x-zip-compressed", "application/x-zip" -> { }
      case "", "application/octet-stream" -> {
        if (!ZipBundle.looksLikeZip(req.bodyFile())) {
          throw ApiException.unprocessable("the body is not a zip archive (no zip signature); send the theme or "
              + "plugin .zip as WordPress users download it");
        }
      }
      default -> throw new ApiException(415, "Unsupported Media Type", "a theme or plugin is uploaded as "
          + "application/zip, not " + type + " (a wp-content tree goes to POST /api/v1/releases as a tar)");
    }
  }

  private static String mediaType(ApiRequest req) {
    String type = req.header("content-type").orElse("").toLowerCase(Locale.ROOT);
    int semi = type.indexOf(';');
    return (semi >= 0 ? type.substring(0, semi) : type).strip();
  }

  private static TarBundle.Compression compression(ApiRequest req) throws Exception {
    String type = mediaType(req);
    return switch (type) {
      case "application/x-tar", "application/tar" -> TarBundle.Compression.NONE;
      case "application/gzip", "application/x-gzip", "application/tar+gzip", "application/x-gtar" ->
          TarBundle.Compression.GZIP;
      case "", "application/octet-stream" -> TarBundle.Compression.detect(req.bodyFile());
      default -> throw new ApiException(415, "Unsupported Media Type", "a release is uploaded as application/x-tar "
          + "or application/gzip (a .tar.gz), not " + type + (type.contains("zip") && !type.contains("gzip")
              ? "; a theme or plugin .zip goes to POST /api/v1/releases/theme or /api/v1/releases/plugin" : ""));
    };
  }

  private ApiResponse listReleases(ApiRequest req) throws Exception {
    List<ReleaseInfo> all = new ArrayList<>(registry.list());
    Collections.reverse(all);
    String committed = cluster.committed().map(v -> v.value().releaseId()).orElse(null);
    return ApiResponse.json(200, new ReleaseList(committed, all));
  }

  // ------------------------------------------------------------------ rollouts

  /** Body of {@code POST /api/v1/rollouts}. */
  record StartBody(String release, Integer deadlineSeconds, String policy, Double maxExcludedShare) {}

  /** Body of {@code POST /api/v1/rollback}. */
  record RollbackBody(String release, Integer deadlineSeconds) {}

  private ApiResponse startRollout(ApiRequest req) throws Exception {
    StartBody b = req.json(StartBody.class);
    if (b.release() == null || b.release().isBlank()) {
      throw ApiException.badRequest("'release' is required, e.g. {\"release\": \"r0000000003\"}");
    }
    FailurePolicy policy = policy(b.policy(), b.maxExcludedShare());
    RolloutStatus s = driver.start(new RolloutRequest(b.release(), deadline(b.deadlineSeconds()), policy, false));
    return ApiResponse.json(202, s).withHeader("Location", "/api/v1/rollouts/" + s.id());
  }

  private ApiResponse rollback(ApiRequest req) throws Exception {
    RollbackBody b = req.body().length == 0 ? new RollbackBody(null, null) : req.json(RollbackBody.class);
    Optional<String> target = Optional.ofNullable(b.release()).filter(s -> !s.isBlank());
    RolloutStatus s = driver.rollback(target, deadline(b.deadlineSeconds()));
    return ApiResponse.json(202, s).withHeader("Location", "/api/v1/rollouts/" + s.id());
  }

  private ApiResponse rolloutStatus(ApiRequest req) throws Exception {
    RolloutStatus s = driver.status(req.pathParam("id"));
    return ApiResponse.json(200, flag(req, "progress", true) ? fleet.withProgress(s) : s);
  }

  private ApiResponse listAgents(ApiRequest req) throws Exception {
    String committed = cluster.committed().map(v -> v.value().releaseId()).orElse(null);
    return ApiResponse.json(200, new AgentList(committed, fleet.agents(flag(req, "live", true))));
  }

  private static Duration deadline(Integer seconds) {
    return seconds == null ? null : Duration.ofSeconds(seconds);
  }

  private static FailurePolicy policy(String name, Double share) throws ApiException {
    String p = name == null ? "abort" : name.toLowerCase(Locale.ROOT);
    return switch (p) {
      case "abort" -> {
        if (share != null) {
          throw ApiException.badRequest("maxExcludedShare applies to the exclude policy only");
        }
        yield FailurePolicy.abort();
      }
      case "exclude" -> FailurePolicy.exclude(share == null ? 0.05 : share);
      default -> throw ApiException.badRequest("policy must be 'abort' or 'exclude', got '" + name + "'");
    };
  }

  // ------------------------------------------------------------------ status

  /** {@code GET /api/v1/status}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ClusterStatus(String coordinator, boolean leader, String leaderId, String leaderUrl,
      CommittedRelease committed, String activeRollout, List<CoordinatorInfo> coordinators, int agents) {}

  record ReleaseList(String committed, List<ReleaseInfo> releases) {}

  record RolloutList(List<RolloutInfo> rollouts) {}

  /** {@code GET /api/v1/agents}: the committed release and every live agent. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record AgentList(String committed, List<AgentView> agents) {}

  private ClusterStatus status() throws Exception {
    var coordinators = cluster.coordinators();
    String leader = leaderId.get().orElse(null);
    CoordinatorInfo leaderInfo = leader == null ? null : coordinators.get(leader);
    return new ClusterStatus(selfId, driver.isLeader(), leader, leaderInfo == null ? null : leaderInfo.httpUrl(),
        cluster.committed().map(Versioned::value).orElse(null), cluster.activeRolloutId().orElse(null),
        new ArrayList<>(coordinators.values()), cluster.liveAgentIds().size());
  }

  // ------------------------------------------------------------------ plumbing

  /** Serves the route here when leading, else forwards it to the leader. */
  private Route leaderOnly(Route route) {
    return req -> {
      if (!driver.isLeader()) {
        return forwarder.forward(req);
      }
      try {
        return route.handle(req);
      } catch (NotLeaderException e) {
        return forwarder.forward(req); // lost leadership meanwhile
      }
    };
  }

  private static Route guard(Route route) {
    return req -> {
      try {
        return route.handle(req);
      } catch (Exception e) {
        throw ApiErrors.map(e);
      }
    };
  }
}
