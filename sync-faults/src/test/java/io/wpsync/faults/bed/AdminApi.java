package io.wpsync.faults.bed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The coordinators' REST API as an operator's script uses it ({@code /api/v1}, admin token): create
 * a release from a tar, start a rollout, read its status. Each call goes to the first coordinator
 * that answers (a standby forwards rollout calls to the leader), so a dead coordinator is skipped
 * the way a Kubernetes Service would skip it.
 */
public final class AdminApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Supplier<List<Daemon>> coordinators;
  private final String token;

  public AdminApi(Supplier<List<Daemon>> coordinators, String token) {
    this.coordinators = coordinators;
    this.token = token;
  }

  public String token() {
    return token;
  }

  /** {@code POST /api/v1/releases} with the tar; returns the new release id. */
  public String createRelease(Path tar, String message) throws IOException {
    RawHttp.Response r = onAny(d -> RawHttp.postFile(d.http(),
        "/api/v1/releases?message=" + message.replace(' ', '+'), token, "application/x-tar", tar,
        Duration.ofSeconds(90)));
    if (r.status() != 201) {
      throw new IOException("release create: " + r);
    }
    return JSON.readTree(r.body()).path("id").asText();
  }

  /** {@code POST /api/v1/rollouts}; returns the rollout id. */
  public String startRollout(String releaseId, int deadlineSeconds) throws IOException {
    String body = "{\"release\":\"" + releaseId + "\",\"deadlineSeconds\":" + deadlineSeconds + "}";
    RawHttp.Response r = onAny(d -> RawHttp.postJson(d.http(), "/api/v1/rollouts", token, body,
        Duration.ofSeconds(30)));
    if (r.status() != 202) {
      throw new IOException("rollout start of " + releaseId + ": " + r);
    }
    return JSON.readTree(r.body()).path("id").asText();
  }

  /** {@code POST /api/v1/rollouts/{id}/abort}. */
  public RawHttp.Response abort(String rolloutId) throws IOException {
    return onAny(d -> RawHttp.postJson(d.http(), "/api/v1/rollouts/" + rolloutId + "/abort", token, "{}",
        Duration.ofSeconds(30)));
  }

  /** {@code GET /api/v1/rollouts/{id}} (RolloutStatus: state, reason, agents, switch skew). */
  public JsonNode rollout(String rolloutId) throws IOException {
    RawHttp.Response r = onAny(d -> RawHttp.get(d.http(), "/api/v1/rollouts/" + rolloutId, token,
        Duration.ofSeconds(15)));
    if (r.status() != 200) {
      throw new IOException("rollout status " + rolloutId + ": " + r);
    }
    return JSON.readTree(r.body());
  }

  /** {@code GET path} with the admin token on the first coordinator that answers. */
  public RawHttp.Response get(String path) throws IOException {
    return onAny(d -> RawHttp.get(d.http(), path, token, Duration.ofSeconds(15)));
  }

  private interface Call {
    RawHttp.Response on(Daemon d) throws IOException;
  }

  private RawHttp.Response onAny(Call call) throws IOException {
    IOException last = null;
    for (Daemon d : coordinators.get()) {
      if (!d.isAlive()) {
        continue;
      }
      try {
        RawHttp.Response r = call.on(d);
        if (r.status() == 503 || r.status() == 502) {
          last = new IOException(d.id() + ": " + r);
          continue;
        }
        return r;
      } catch (IOException e) {
        last = new IOException(d.id() + ": " + e.getMessage(), e);
      }
    }
    throw last != null ? last : new IOException("no coordinator is running");
  }
}
