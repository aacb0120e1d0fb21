package io.wpsync.bench.rollout;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Everything measured for one polling rate: per rollout latency as the client saw it and as the
 * rollout's records say, the prepare phase, each agent's prepare time, commit-to-last-switch, the
 * switch skew, and what the status polling achieved.
 */
final class ModeFigures {
  final int pollRps;
  /** POST /rollouts sent -> the client's GET first shows every participant SWITCHED. */
  final Samples clientLatency = new Samples();
  /** Rollout record createdAt -> last SWITCHED.at (coordinator and agent clocks: one machine here). */
  final Samples recordLatency = new Samples();
  /** createdAt -> decidedAt: from the start until every agent prepared and the commit was written. */
  final Samples preparePhase = new Samples();
  /** Each agent's own prepare (fetch, verify, materialize, fsync), from its wpsync_agent_prepare_duration timer. */
  final Samples agentPrepare = new Samples();
  /** decidedAt -> last SWITCHED.at. */
  final Samples commitToSwitched = new Samples();
  /** Last SWITCHED.at - first SWITCHED.at. */
  final Samples skew = new Samples();
  final Samples pollLatency = new Samples();
  long pollRequests;
  long pollErrors;
  long pollSkipped;
  double pollSeconds;

  ModeFigures(int pollRps) {
    this.pollRps = pollRps;
  }

  void addPoll(StatusPoller.Stats s) {
    pollRequests += s.requests();
    pollErrors += s.errors();
    pollSkipped += s.skipped();
    pollSeconds += s.seconds();
    pollLatency.addAll(s.latencyMillis());
  }

  double achievedRps() {
    return pollSeconds <= 0 ? 0 : pollRequests / pollSeconds;
  }

  void print(PrintStream out, String title) {
    out.println();
    out.println(title);
    row(out, "rollout latency, client: POST -> all SWITCHED seen", clientLatency);
    row(out, "rollout latency, records: created -> last SWITCHED", recordLatency);
    row(out, "prepare phase, records: created -> commit", preparePhase);
    row(out, "agent prepare (fetch+verify+materialize+fsync)", agentPrepare);
    row(out, "commit -> last SWITCHED, records", commitToSwitched);
    row(out, "switch skew: first -> last SWITCHED", skew);
    if (pollRps > 0) {
      out.printf(Locale.ROOT, "  %-52s %.1f req/s (asked %d), %d requests, %d errors, %d skipped; latency p50 %.1f ms, p99 %.1f ms%n",
          "status polling during the rollouts", achievedRps(), pollRps, pollRequests, pollErrors, pollSkipped,
          pollLatency.p(50), pollLatency.p(99));
    }
  }

  private static void row(PrintStream out, String what, Samples s) {
    out.printf(Locale.ROOT, "  %-52s %s%n", what + " (ms)", s.summary());
  }

  /** The machine-readable line. */
  String line(int agents) {
    return String.format(Locale.ROOT,
        "rollout agents=%d rollouts=%d latency_p50_ms=%.0f latency_p99_ms=%.0f skew_p50_ms=%.0f skew_max_ms=%.0f poll_rps=%d",
        agents, clientLatency.size(), clientLatency.p(50), clientLatency.p(99), skew.p(50), skew.max(), pollRps);
  }
}
