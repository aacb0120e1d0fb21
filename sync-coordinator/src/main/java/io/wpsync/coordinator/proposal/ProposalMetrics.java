package io.wpsync.coordinator.proposal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.core.cluster.ProposalState;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proposal meters: how many proposals wait in each state that needs attention (read from
 * ZooKeeper by every coordinator, so any replica's scrape is right), and decisions by outcome.
 * Alert on {@code wpsync_proposals_conflicts > 0} (an admin must choose a side) and on
 * {@code wpsync_proposals_pending} staying above 0 (policy approve: waiting for an admin).
 */
final class ProposalMetrics {
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger conflicts = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final Map<ProposalState, Counter> decided = new EnumMap<>(ProposalState.class);

  ProposalMetrics(MeterRegistry registry) {
    Gauge.builder("wpsync.proposals.pending", pending, AtomicInteger::get)
        .description("Local-change proposals waiting for an admin's approval (capture policy approve)")
        .register(registry);
    Gauge.builder("wpsync.proposals.queued", queued, AtomicInteger::get)
        .description("Local-change proposals queued behind a rollout in progress")
        .register(registry);
    Gauge.builder("wpsync.proposals.conflicts", conflicts, AtomicInteger::get)
        .description("Local-change proposals in conflict with the committed release: an admin must choose a side")
        .register(registry);
    Gauge.builder("wpsync.proposals.failed", failed, AtomicInteger::get)
        .description("Local-change proposals whose rollout failed (approve again to retry, or reject)")
        .register(registry);
    for (ProposalState s : new ProposalState[] {ProposalState.COMMITTED, ProposalState.NO_CHANGE,
        ProposalState.CONFLICT, ProposalState.FAILED, ProposalState.REJECTED, ProposalState.SUPERSEDED}) {
      decided.put(s, Counter.builder("wpsync.proposals.decided").tag("outcome", s.name().toLowerCase(Locale.ROOT))
          .description("Proposal outcomes decided by this coordinator while leader")
          .register(registry));
    }
  }

  void counts(int pendingNow, int queuedNow, int conflictsNow, int failedNow) {
    pending.set(pendingNow);
    queued.set(queuedNow);
    conflicts.set(conflictsNow);
    failed.set(failedNow);
  }

  void decided(ProposalState s) {
    Counter c = decided.get(s);
    if (c != null) {
      c.increment();
    }
  }
}
