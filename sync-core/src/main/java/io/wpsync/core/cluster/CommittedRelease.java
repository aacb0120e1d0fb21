package io.wpsync.core.cluster;

/**
 * The committed-release pointer ({@code /committed}). Moving it is THE commit decision of a
 * rollout: one ZooKeeper transaction that also checks the leader epoch and the rollout record's
 * version.
 */
public record CommittedRelease(String releaseId, String manifestId, String rolloutId, long epoch, long committedAt) {}
