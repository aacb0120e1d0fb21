package io.wpsync.core.cluster;

/** What an agent is doing, as published in its membership node. */
public enum AgentState {
  /** Fetching or materializing the committed release; not serving it yet. */
  SYNCING,
  /** On the committed release. */
  IN_SYNC,
  /** Staging a rollout's target release. */
  PREPARING,
  /** Target staged and verified; waiting for the decision. */
  PREPARED,
  /** Could not stage or switch; see the reason in its report. */
  FAILED
}
