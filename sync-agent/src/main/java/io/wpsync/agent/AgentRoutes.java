package io.wpsync.agent;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wpsync.agent.capture.LiveCapture;
import io.wpsync.agent.http.ApiResponse;
import io.wpsync.agent.http.Router;
import io.wpsync.agent.http.Scope;
import io.wpsync.agent.rollout.Readiness;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The agent's HTTP API. Public: {@code GET /status} (JSON {@link AgentStatus}), {@code /healthz}
 * (the process works), {@code /readyz} (200, or 503 with the reason, per {@link Readiness}),
 * {@code /metrics} (Prometheus text). Token-protected (scope capture): {@code POST
 * /api/v1/capture}, which captures the live tree now and proposes what changed (the WordPress
 * mu-plugin calls it after {@code upgrader_process_complete}); 200 with the outcome ({@code
 * no-change} or {@code proposed} with the proposal), 409 on a read-only agent, 422 if the
 * coordinator refused the change, 503 if it could not be reached (the capture retries by itself).
 */
public final class AgentRoutes {
  private AgentRoutes() {}

  /**
   * @param capture the live capture, or a supplier of null on a read-only agent
   */
  public static Router build(Supplier<AgentStatus> status, Readiness readiness, BooleanSupplier healthy,
      PrometheusMeterRegistry metrics, AgentMode mode, Supplier<LiveCapture> capture) {
    return new Router()
        .get("/status", Scope.NONE, req -> ApiResponse.json(200, status.get()))
        .get("/healthz", Scope.NONE, req -> healthy.getAsBoolean()
            ? ApiResponse.text(200, "text/plain; charset=utf-8", "ok\n")
            : ApiResponse.problem(503, "Service Unavailable", "the agent is stopping or its convergence loop stopped"))
        .get("/readyz", Scope.NONE, req -> {
          Readiness.Verdict v = readiness.check();
          return v.ready()
              ? ApiResponse.text(200, "text/plain; charset=utf-8", "ready: " + v.reason() + "\n")
              : ApiResponse.problem(503, "Not Ready", v.reason());
        })
        .get("/metrics", Scope.NONE, req ->
            ApiResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()))
        .post("/api/v1/capture", Scope.CAPTURE, req -> {
          LiveCapture c = capture.get();
          if (mode != AgentMode.LIVE || c == null) {
            return ApiResponse.problem(409, "Conflict", "this agent runs in mode " + mode.flagValue()
                + ": WordPress cannot change its files, so there is nothing to capture (start it with --mode live)");
          }
          LiveCapture.Result r = c.captureNow();
          return switch (r.outcome()) {
            case "no-change", "proposed", "busy" -> ApiResponse.json(200, r);
            case "refused" -> ApiResponse.problem(422, "Unprocessable Content", r.detail());
            default -> ApiResponse.problem(503, "Service Unavailable", r.detail());
          };
        });
  }
}
