package io.wpsync.agent;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
 * /api/v1/capture}, which answers 501 until the local-change issue implements it.
 */
public final class AgentRoutes {
  private AgentRoutes() {}

  public static Router build(Supplier<AgentStatus> status, Readiness readiness, BooleanSupplier healthy,
      PrometheusMeterRegistry metrics, AgentMode mode) {
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
        .post("/api/v1/capture", Scope.CAPTURE, req -> ApiResponse.problem(501, "Not Implemented",
            "capture-now is not implemented yet: it arrives with the local-change issue (this agent runs in mode "
                + mode.flagValue() + "; nothing was captured)"));
  }
}
