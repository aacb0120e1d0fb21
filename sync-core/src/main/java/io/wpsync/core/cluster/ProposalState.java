package io.wpsync.core.cluster;

/**
 * Lifecycle of a local-change proposal ({@link ProposalInfo}).
 *
 * <pre>
 *   PENDING ──approve──▶ QUEUED ──▶ ROLLING_OUT ──commit──▶ COMMITTED
 *      │                   │  │           └──abort──▶ FAILED ──approve──▶ QUEUED
 *      └──reject──▶ REJECTED  │
 *                             ├──same content already committed──▶ NO_CHANGE
 *                             ├──overlaps a change committed since──▶ CONFLICT ──resolve──▶ QUEUED
 *                             └──a newer capture of the same agent and base──▶ SUPERSEDED
 * </pre>
 *
 * PENDING waits for an admin (policy {@code approve}); under policy {@code auto} a proposal starts
 * QUEUED. COMMITTED, NO_CHANGE, REJECTED and SUPERSEDED are final; CONFLICT and FAILED wait for an
 * admin (resolve, approve again, or reject) and keep their content.
 */
public enum ProposalState {
  PENDING,
  QUEUED,
  ROLLING_OUT,
  COMMITTED,
  NO_CHANGE,
  CONFLICT,
  FAILED,
  REJECTED,
  SUPERSEDED;

  public boolean isFinal() {
    return this == COMMITTED || this == NO_CHANGE || this == REJECTED || this == SUPERSEDED;
  }

  /** True while an admin must act (approve, resolve, reject). */
  public boolean needsAdmin() {
    return this == PENDING || this == CONFLICT || this == FAILED;
  }
}
