package io.wpsync.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.wpsync.agent.http.ApiException;
import io.wpsync.agent.http.ApiRequest;
import io.wpsync.agent.http.ApiResponse;
import io.wpsync.agent.http.Route;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.proposal.ProposalDriver;
import io.wpsync.coordinator.proposal.ProposalException;
import io.wpsync.coordinator.proposal.ProposalReceiver;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.cluster.ReleaseInfo;
import io.wpsync.core.hash.Digest;
import io.wpsync.core.manifest.Manifest;
import io.wpsync.core.manifest.ManifestDiff;
import io.wpsync.core.manifest.ManifestEntry;
import io.wpsync.core.manifest.ManifestJson;
import io.wpsync.core.store.ContentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The local-change proposal routes of the coordinator API ({@code docs/openapi.yaml}):
 * <ul>
 *   <li>{@code POST /api/v1/proposals} (scope capture; an admin token is refused, so an agent is
 *       never given one): a live agent proposes a captured tree ({@link ProposalReceiver}); any
 *       coordinator accepts it;</li>
 *   <li>{@code GET /api/v1/proposals[?state=]}, {@code GET /api/v1/proposals/{id}} (with the paths it
 *       changes and, for a conflict, the conflicting paths), {@code GET .../{id}/manifest} (the
 *       proposed tree) and {@code GET .../{id}/file?path=} (one file's content): its content stays
 *       retrievable whatever its state (scope read);</li>
 *   <li>{@code POST .../{id}/approve|reject|resolve} (scope admin; the leader decides, a standby
 *       forwards).</li>
 * </ul>
 */
public final class ProposalApi {
  /** Changed paths listed in a proposal's details. */
  static final int LISTED_CHANGES = 500;
  /** Largest file served by {@code /file} (bigger ones travel over the peer protocol). */
  static final long MAX_FILE_BYTES = 64L << 20;

  private final ProposalReceiver receiver;
  private final ProposalDriver driver;
  private final ContentStore store;
  private final ReleaseStore releases;
  private final LeaderForwarder forwarder;

  public ProposalApi(ProposalReceiver receiver, ProposalDriver driver, ContentStore store, ReleaseStore releases,
      LeaderForwarder forwarder) {
    this.receiver = Objects.requireNonNull(receiver, "receiver");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.store = Objects.requireNonNull(store, "store");
    this.releases = Objects.requireNonNull(releases, "releases");
    this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
  }

  /** One changed path of a proposal. */
  record Change(String path, String change) {}

  /** {@code GET /api/v1/proposals/{id}}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Details(ProposalInfo proposal, String policy, int changeCount, List<Change> changes, String note) {}

  record ProposalList(String policy, List<ProposalInfo> proposals) {}

  /** Body of approve / reject / resolve (all optional but {@code keep} for resolve). */
  record DecisionBody(String by, String keep) {}

  public Router register(Router router) {
    return router
        .upload("/api/v1/proposals", Scope.CAPTURE, guard(this::propose))
        .get("/api/v1/proposals", Scope.READ, guard(this::list))
        .get("/api/v1/proposals/{id}", Scope.READ, guard(this::details))
        .get("/api/v1/proposals/{id}/manifest", Scope.READ, guard(this::manifestJson))
        .get("/api/v1/proposals/{id}/file", Scope.READ, guard(this::file))
        .post("/api/v1/proposals/{id}/approve", Scope.ADMIN, guard(leaderOnly(req ->
            ApiResponse.json(200, driver.approve(req.pathParam("id"), by(req))))))
        .post("/api/v1/proposals/{id}/reject", Scope.ADMIN, guard(leaderOnly(req ->
            ApiResponse.json(200, driver.reject(req.pathParam("id"), by(req))))))
        .post("/api/v1/proposals/{id}/resolve", Scope.ADMIN, guard(leaderOnly(req -> {
          DecisionBody b = body(req);
          if (b.keep() == null) {
            throw ApiException.badRequest("'keep' is required: {\"keep\": \"proposal\"} or {\"keep\": \"committed\"}");
          }
          return ApiResponse.json(200, driver.resolve(req.pathParam("id"), b.keep(), by(req)));
        })));
  }

  private ApiResponse propose(ApiRequest req) throws Exception {
    if (req.caller() == Scope.ADMIN) {
      throw new ApiException(403, "Forbidden", "proposals take a capture-scoped token, not an admin one: a WordPress "
          + "pod holding an admin token could do anything; give the agent a 'capture' token (--capture-token-file)");
    }
    ProposalReceiver.Received r = receiver.receive(require(req, "agent"), require(req, "base"),
        require(req, "manifest"), req.query("parent").orElse(null), req.query("message").orElse(null), req.bodyFile());
    ApiResponse resp = ApiResponse.json(r.created() ? 201 : 200, r.proposal());
    return resp.withHeader("Location", "/api/v1/proposals/" + r.proposal().id());
  }

  private ApiResponse list(ApiRequest req) throws Exception {
    List<ProposalInfo> all = driver.list();
    String state = req.query("state").map(s -> s.toUpperCase(Locale.ROOT)).orElse(null);
    if (state != null) {
      all = all.stream().filter(p -> p.state().name().equals(state)).toList();
    }
    return ApiResponse.json(200, new ProposalList(receiver.policy().flagValue(), all));
  }

  private ApiResponse details(ApiRequest req) throws Exception {
    ProposalInfo p = driver.get(req.pathParam("id"));
    Digest from = p.parent() != null ? Digest.parse(p.parent()) : null;
    Manifest mine = manifest(p);
    String note = null;
    List<Change> changes = new ArrayList<>();
    int total = 0;
    try {
      Manifest before = from != null ? read(from) : baseManifest(p);
      ManifestDiff d = ManifestDiff.between(before, mine);
      for (ManifestEntry e : d.added()) {
        changes.add(new Change(e.path(), "added"));
      }
      for (ManifestDiff.Change c : d.changed()) {
        changes.add(new Change(c.path(), "changed"));
      }
      for (ManifestEntry e : d.removed()) {
        changes.add(new Change(e.path(), "removed"));
      }
      for (ManifestDiff.Change c : d.modeChanged()) {
        changes.add(new Change(c.path(), "mode"));
      }
      changes.sort(java.util.Comparator.comparing(Change::path, Manifest.PATH_ORDER));
      total = changes.size();
      if (total > LISTED_CHANGES) {
        changes = new ArrayList<>(changes.subList(0, LISTED_CHANGES));
        note = "first " + LISTED_CHANGES + " of " + total + " changed paths listed";
      }
    } catch (ApiException e) {
      note = "changes unavailable: " + e.detail();
    }
    return ApiResponse.json(200, new Details(p, receiver.policy().flagValue(), total, changes, note));
  }

  private ApiResponse manifestJson(ApiRequest req) throws Exception {
    Manifest m = manifest(driver.get(req.pathParam("id")));
    return ApiResponse.text(200, ApiResponse.JSON, ManifestJson.toJson(m, false));
  }

  private ApiResponse file(ApiRequest req) throws Exception {
    ProposalInfo p = driver.get(req.pathParam("id"));
    String path = require(req, "path");
    ManifestEntry e = manifest(p).entry(path).orElseThrow(() -> ApiException.notFound(
        "proposal " + p.id() + " has no path '" + path + "'"));
    if (!e.isFile()) {
      throw new ApiException(422, "Unprocessable Content", "'" + path + "' is a " + e.type().name().toLowerCase(Locale.ROOT)
          + (e.isSymlink() ? " to '" + e.target() + "'" : "") + ", not a file");
    }
    if (e.size() > MAX_FILE_BYTES) {
      throw new ApiException(413, "Content Too Large", "'" + path + "' is " + e.size() + " bytes; files above "
          + MAX_FILE_BYTES + " bytes are not served here (fetch object " + e.digest() + " over the peer protocol)");
    }
    return new ApiResponse(200, "application/octet-stream", store.read(e.digest()),
        Map.of("X-Wpsync-Digest", e.digest().toString()));
  }

  private Manifest manifest(ProposalInfo p) throws Exception {
    return read(Digest.parse(p.manifestId()));
  }

  private Manifest baseManifest(ProposalInfo p) throws Exception {
    ReleaseInfo base = releases.release(p.base()).orElseThrow(() -> ApiException.notFound(
        "base release " + p.base() + " is gone"));
    return read(Digest.parse(base.manifestId()));
  }

  private Manifest read(Digest id) throws Exception {
    if (!store.contains(id)) {
      throw new ApiException(503, "Service Unavailable", "manifest " + id.shortHex(12)
          + " is not on this coordinator yet (still replicating?); retry shortly or ask another coordinator");
    }
    return driver.manifests().get(id);
  }

  private static String require(ApiRequest req, String name) throws ApiException {
    return req.query(name).filter(s -> !s.isBlank()).orElseThrow(() -> ApiException.badRequest(
        "query parameter '" + name + "' is required"));
  }

  private static DecisionBody body(ApiRequest req) throws ApiException {
    return req.body().length == 0 ? new DecisionBody(null, null) : req.json(DecisionBody.class);
  }

  private static String by(ApiRequest req) throws ApiException {
    String b = body(req).by();
    return b == null || b.isBlank() ? "an admin" : b.strip();
  }

  private Route leaderOnly(Route route) {
    return req -> {
      if (!driver.isLeader()) {
        return forwarder.forward(req);
      }
      try {
        return route.handle(req);
      } catch (NotLeaderException e) {
        return forwarder.forward(req);
      }
    };
  }

  private static Route guard(Route route) {
    return req -> {
      try {
        return route.handle(req);
      } catch (ProposalException e) {
        throw new ApiException(e.status(), title(e.status()), e.getMessage());
      } catch (Exception e) {
        throw ApiErrors.map(e);
      }
    };
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 409 -> "Conflict";
      case 422 -> "Unprocessable Content";
      default -> "Service Unavailable";
    };
  }
}
