package io.wpsync.core.zk;

import java.util.regex.Pattern;

/**
 * Every ZooKeeper path wpsync uses, in one place. Paths are relative to the network's namespace
 * (a Curator namespace / chroot such as {@code wpsync/<network>}), so several WordPress networks
 * can share one ensemble. The layout is documented in {@code docs/zookeeper-layout.md}.
 *
 * <pre>
 * /epoch                              leader epoch (data: {@link io.wpsync.core.cluster.LeaderEpoch}); its
 *                                     znode version fences every decision (checked in the same transaction)
 * /leader/…                           LeaderLatch participants (Curator-owned)
 * /coordinators/&lt;id&gt;                 EPHEMERAL {@link io.wpsync.core.cluster.CoordinatorInfo}: admin and origin addresses
 * /agents/&lt;id&gt;                       EPHEMERAL {@link io.wpsync.core.cluster.AgentInfo}: address, current, staged, state
 * /locks/releases                     InterProcessMutex guarding the release history
 * /releases/r&lt;seq&gt;                   {@link io.wpsync.core.cluster.ReleaseInfo} (manifest id, parent, author, …)
 * /release-copies/&lt;rel&gt;/&lt;holder&gt;     a store that holds every object of a release being published
 * /committed                          {@link io.wpsync.core.cluster.CommittedRelease}: THE committed-release pointer
 * /active-rollout                     exists while a rollout runs (created with compare-and-set): its id
 * /rollouts/&lt;id&gt;                     {@link io.wpsync.core.cluster.RolloutInfo}: target, participants, deadline, state
 * /rollouts/&lt;id&gt;/reports/&lt;agent&gt;    {@link io.wpsync.core.cluster.AgentReport}: PREPARED | FAILED | SWITCHED
 * /proposals/p&lt;seq&gt;                 {@link io.wpsync.core.cluster.ProposalInfo}: a local change captured on a live agent
 * </pre>
 */
public final class ZkPaths {
  public static final String EPOCH = "/epoch";
  public static final String LEADER = "/leader";
  public static final String COORDINATORS = "/coordinators";
  public static final String AGENTS = "/agents";
  public static final String RELEASE_LOCK = "/locks/releases";
  public static final String RELEASES = "/releases";
  public static final String RELEASE_COPIES = "/release-copies";
  public static final String COMMITTED = "/committed";
  public static final String ACTIVE_ROLLOUT = "/active-rollout";
  public static final String ROLLOUTS = "/rollouts";
  public static final String PROPOSALS = "/proposals";

  /** Prefix of sequential release znodes: release ids are {@code r0000000001}, … */
  public static final String RELEASE_PREFIX = "r";
  /** Prefix of sequential proposal znodes: proposal ids are {@code p0000000001}, … */
  public static final String PROPOSAL_PREFIX = "p";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private ZkPaths() {}

  /** The default namespace for a network name: {@code wpsync/<network>}. */
  public static String namespace(String network) {
    return "wpsync/" + checkId("network", network);
  }

  public static String agent(String agentId) {
    return AGENTS + "/" + checkId("agent id", agentId);
  }

  public static String coordinator(String coordinatorId) {
    return COORDINATORS + "/" + checkId("coordinator id", coordinatorId);
  }

  public static String release(String releaseId) {
    return RELEASES + "/" + checkId("release id", releaseId);
  }

  public static String releaseCopies(String releaseId) {
    return RELEASE_COPIES + "/" + checkId("release id", releaseId);
  }

  public static String releaseCopy(String releaseId, String holderId) {
    return releaseCopies(releaseId) + "/" + checkId("holder id", holderId);
  }

  public static String rollout(String rolloutId) {
    return ROLLOUTS + "/" + checkId("rollout id", rolloutId);
  }

  public static String reports(String rolloutId) {
    return rollout(rolloutId) + "/reports";
  }

  public static String report(String rolloutId, String agentId) {
    return reports(rolloutId) + "/" + checkId("agent id", agentId);
  }

  public static String proposal(String proposalId) {
    return PROPOSALS + "/" + checkId("proposal id", proposalId);
  }

  /** True if {@code id} is a valid id for agents, releases, rollouts and networks. */
  public static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** Returns {@code id} or throws {@link IllegalArgumentException} naming what is wrong. */
  public static String checkId(String what, String id) {
    if (!isValidId(id)) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' must match %s", what, id, ID.pattern()));
    }
    return id;
  }
}
