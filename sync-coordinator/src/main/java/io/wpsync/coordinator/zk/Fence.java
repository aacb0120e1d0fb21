package io.wpsync.coordinator.zk;

/**
 * The fencing token of a leader term: the epoch number this coordinator wrote to {@code /epoch}
 * when it became leader, and the resulting znode version. Every decision transaction checks {@code
 * epochVersion}; once another coordinator bumps the epoch, every write carrying this fence fails.
 *
 * @param epoch the epoch number (1, 2, …), recorded in decisions for humans
 * @param epochVersion the {@code /epoch} znode version right after this leader's bump
 * @param leaderId the coordinator that holds this fence
 */
public record Fence(long epoch, int epochVersion, String leaderId) {}
