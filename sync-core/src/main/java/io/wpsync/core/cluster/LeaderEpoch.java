package io.wpsync.core.cluster;

/**
 * The data of {@code /epoch}: which coordinator leads, since when. The znode's version is the
 * fencing token: every decision is a transaction that checks it, so a deposed leader's late write
 * fails.
 */
public record LeaderEpoch(long epoch, String leaderId, long since) {}
