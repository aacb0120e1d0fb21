package io.wpsync.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.agent.http.ApiException;
import io.wpsync.agent.http.ApiRequest;
import io.wpsync.agent.http.ApiResponse;
import io.wpsync.agent.http.Route;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.release.ReleaseDraft;
import io.wpsync.coordinator.release.ReleaseRegistry;
import io.wpsync.coordinator.rollout.RolloutDriver;
import io.wpsync.coordinator.rollout.RolloutRequest;
import io.wpsync.coordinator.rollout.RolloutStatus;
import io.wpsync.coordinator.zk.ClusterStore;
import io.wpsync.coordinator.zk.Versioned;
import io.wpsync.core.cluster.AgentInfo;
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
 * upload and history, rollout start/status/abort, rollback, agents and cluster status. Every route
 * needs a bearer token (READ for reads, ADMIN for changes); errors are problem+json. Routes that
 * drive rollouts run on the leader only: a standby forwards them ({@link LeaderForwarder}).
 *
 * <pre>{@code
 * Router router = new CoordinatorApi(registry, driver, cluster, forwarder, leaderId, workDir, limits).register(new Router());
 * }</pre>
 */
public final class CoordinatorApi {
  /** Rollouts listed by {@code GET /api/v1/rollouts}. */
  static final int RECENT_ROLLOUTS = RolloutDriver.KEEP_ROLLOUTS;

  private final ReleaseRegistry registry;
  private final RolloutDriver driver;
  private final ClusterStore cluster;
  private final LeaderForwarder forwarder;
  private final Supplier<Optional<String>> leaderId;
  private final String selfId;
  private final Path workDir;
  private final TarBundle.Limits limits;

  public CoordinatorApi(ReleaseRegistry registry, RolloutDriver driver, ClusterStore cluster, LeaderForwarder forwarder,
      String selfId, Supplier<Optional<String>> leaderId, Path workDir, TarBundle.Limits limits) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
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
        .get("/api/v1/releases", Scope.READ, guard(this::listReleases))
        .get("/api/v1/releases/{id}", Scope.READ, guard(req -> ApiResponse.json(200, registry.details(req.pathParam("id")))))
        .post("/api/v1/rollouts", Scope.ADMIN, guard(leaderOnly(this::startRollout)))
        .get("/api/v1/rollouts", Scope.READ, guard(req -> ApiResponse.json(200, new RolloutList(driver.recent(RECENT_ROLLOUTS)))))
        .get("/api/v1/rollouts/{id}", Scope.READ, guard(req -> ApiResponse.json(200, driver.status(req.pathParam("id")))))
        .post("/api/v1/rollouts/{id}/abort", Scope.ADMIN, guard(leaderOnly(req ->
            ApiResponse.json(200, driver.abort(req.pathParam("id"), "aborted by an operator")))))
        .post("/api/v1/rollback", Scope.ADMIN, guard(leaderOnly(this::rollback)))
        .get("/api/v1/agents", Scope.READ, guard(req -> ApiResponse.json(200, new AgentList(new ArrayList<>(cluster.agents().values())))))
        .get("/api/v1/status", Scope.READ, guard(req -> ApiResponse.json(200, status())));
  }

  // ------------------------------------------------------------------ releases

  private ApiResponse createRelease(ApiRequest req) throws Exception {
    TarBundle.Compression compression = compression(req);
    ReleaseDraft draft = new ReleaseDraft(req.query("author").orElse(null), req.query("message").orElse(null),
        req.query("base").orElse(null));
    Files.createDirectories(workDir);
    Path tree = workDir.resolve("release-" + Long.toHexString(System.nanoTime()) + "-" + Thread.currentThread().getId());
    try {
      TarBundle.extract(req.bodyFile(), compression, tree, limits);
      ReleaseInfo r = registry.create(tree, draft);
      return ApiResponse.json(201, r).withHeader("Location", "/api/v1/releases/" + r.id());
    } finally {
      TarBundle.deleteTree(tree);
    }
  }

  private static TarBundle.Compression compression(ApiRequest req) throws Exception {
    String type = req.header("content-type").orElse("").toLowerCase(Locale.ROOT);
    int semi = type.indexOf(';');
    type = (semi >= 0 ? type.substring(0, semi) : type).strip();
    return switch (type) {
      case "application/x-tar", "application/tar" -> TarBundle.Compression.NONE;
      case "application/gzip", "application/x-gzip", "application/tar+gzip", "application/x-gtar" ->
          TarBundle.Compression.GZIP;
      case "", "application/octet-stream" -> TarBundle.Compression.detect(req.bodyFile());
      default -> throw new ApiException(415, "Unsupported Media Type", "a release is uploaded as application/x-tar "
          + "or application/gzip (a .tar.gz), not " + type);
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

  record AgentList(List<AgentInfo> agents) {}

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
