package io.wpsync.agent.capture;

import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.hash.Digest;
import java.io.IOException;

/**
 * Hands a captured tree to the coordinator. On return the coordinator holds the manifest and every
 * object of it (it fetched what it lacked from this agent), and has recorded the proposal.
 */
@FunctionalInterface
public interface Proposer {
  /**
   * @param base the release the live tree was on
   * @param parent the tree the change is relative to (the last acknowledged capture of that
   *     directory), or null for the base release's own tree
   * @param manifest the canonical bytes of the captured tree ({@code manifestId} is their SHA-256)
   * @throws ProposalRefusedException if the coordinator refused it for good (retrying the same
   *     content is pointless)
   * @throws IOException if no coordinator could be reached or it failed (retry later)
   */
  ProposalInfo propose(String agentId, String base, Digest parent, Digest manifestId, byte[] manifest, String message)
      throws IOException, ProposalRefusedException, InterruptedException;
}
