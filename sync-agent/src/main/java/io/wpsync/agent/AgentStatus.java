package io.wpsync.agent;

import io.wpsync.agent.capture.LiveCapture;
import io.wpsync.agent.rollout.FetchProgress;

/**
 * What {@code GET /status} returns: where the agent is, what it is doing and why it is (not)
 * ready. Per-piece progress of the ongoing fetch is here and only here, never in ZooKeeper.
 * {@code capture} describes the local-change capture of a live agent (null when read-only).
 */
public record AgentStatus(
    String id,
    String network,
    String mode,
    String zone,
    String current,
    String staged,
    String stagedFor,
    String committed,
    String state,
    boolean ready,
    String readyReason,
    long behindMillis,
    boolean zkConnected,
    FetchProgress.Snapshot progress,
    String lastError,
    String p2p,
    String http,
    LiveCapture.Status capture) {}
