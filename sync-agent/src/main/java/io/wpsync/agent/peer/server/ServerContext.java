package io.wpsync.agent.peer.server;

import io.wpsync.agent.peer.LocalAvailability;
import io.wpsync.agent.peer.RateLimitedLog;
import io.wpsync.core.store.ContentStore;
import io.wpsync.core.wire.HandshakeProofs;

/** What every connection of one server shares. */
record ServerContext(
    PeerServerConfig config,
    HandshakeProofs proofs,
    ContentStore store,
    LocalAvailability availability,
    UploadSlots slots,
    SeedLedger ledger,
    ServerMetrics metrics,
    RateLimitedLog log) {}
