package io.wpsync.core.cluster;

import java.util.List;

/**
 * A local change captured on a live agent and proposed as a new release ({@code /proposals/<id>}).
 * Its content (the captured manifest and every object it lists) is held by the coordinator that
 * received it (and replicated to the others) from the moment the record exists, whatever its
 * state, so a conflict can always be inspected and resolved.
 *
 * @param base the release the agent's live tree was on when it captured the change
 * @param manifestId the captured tree ({@code sha256:…})
 * @param parent the tree the change is relative to: the agent's previous acknowledged capture of the
 *     same directory, or null for the base release's own tree; the change is {@code parent -> manifestId}
 * @param receivedBy the coordinator whose store received the content
 * @param added paths added relative to base (likewise {@code changed}, {@code removed})
 * @param release the release this proposal became, or (NO_CHANGE) the committed release that
 *     already holds its content
 * @param rolloutId the rollout that took {@code release} to the agents
 * @param rebasedOnto the committed release the change was replayed onto when {@code base} was stale
 * @param conflictPaths paths both this change and the committed release changed differently (at
 *     most {@link #MAX_LISTED_PATHS})
 * @param conflictWith the committed release it conflicts with
 * @param resolution how an admin settled a conflict: {@code proposal} or {@code committed}
 */
public record ProposalInfo(
    String id,
    String agentId,
    String base,
    String manifestId,
    long manifestBytes,
    String parent,
    String message,
    long createdAt,
    String receivedBy,
    int added,
    int changed,
    int removed,
    ProposalState state,
    String reason,
    String release,
    String rolloutId,
    String rebasedOnto,
    List<String> conflictPaths,
    String conflictWith,
    String resolution,
    long updatedAt) {
  /** Conflict paths listed in the record (znodes are small); the count is in the reason. */
  public static final int MAX_LISTED_PATHS = 100;

  public ProposalInfo {
    conflictPaths = conflictPaths == null ? List.of()
        : List.copyOf(conflictPaths.subList(0, Math.min(MAX_LISTED_PATHS, conflictPaths.size())));
  }

  /** The same proposal under its znode's id. */
  public ProposalInfo withId(String newId) {
    return new ProposalInfo(newId, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, state, reason, release, rolloutId, rebasedOnto, conflictPaths, conflictWith, resolution,
        updatedAt);
  }

  /** Moves to {@code s} with a reason; other fields stay. */
  public ProposalInfo moved(ProposalState s, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, s, why, release, rolloutId, rebasedOnto, conflictPaths, conflictWith, resolution, now);
  }

  /** ROLLING_OUT as {@code releaseId} through {@code rollout}, replayed onto {@code onto} (null: not rebased). */
  public ProposalInfo rollingOut(String releaseId, String rollout, String onto, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, ProposalState.ROLLING_OUT, why, releaseId, rollout, onto, List.of(), null, resolution, now);
  }

  /** NO_CHANGE: {@code releaseId} (committed) already holds the resulting tree. */
  public ProposalInfo noChange(String releaseId, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, ProposalState.NO_CHANGE, why, releaseId, null, rebasedOnto, List.of(), null, resolution, now);
  }

  /** CONFLICT with {@code committed} on {@code paths}. */
  public ProposalInfo conflict(String committed, List<String> paths, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, ProposalState.CONFLICT, why, null, null, null, paths, committed, resolution, now);
  }

  /** The same proposal relative to another parent tree (when it absorbs an older proposal). */
  public ProposalInfo withParent(String newParent, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, newParent, message, createdAt, receivedBy,
        added, changed, removed, state, why, release, rolloutId, rebasedOnto, conflictPaths, conflictWith, resolution,
        now);
  }

  /** QUEUED again with an admin's resolution ({@code proposal} or {@code committed}; null: none). */
  public ProposalInfo queued(String chosen, String why, long now) {
    return new ProposalInfo(id, agentId, base, manifestId, manifestBytes, parent, message, createdAt, receivedBy, added,
        changed, removed, ProposalState.QUEUED, why, null, null, null, conflictPaths, conflictWith, chosen, now);
  }
}
