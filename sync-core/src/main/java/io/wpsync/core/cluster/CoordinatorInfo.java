package io.wpsync.core.cluster;

/** The ephemeral registration of a live coordinator: where its admin API and origin store are. */
public record CoordinatorInfo(String id, String httpUrl, String p2pHost, int p2pPort, long startedAt) {}
