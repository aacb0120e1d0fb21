package io.wpsync.agent.fetch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Meters of swarm downloads (shared by every download of one agent). */
final class FetchMetrics {
  final Counter bytesFromPeers;
  final Counter bytesFromOrigin;
  final Counter pieces;
  final Counter verificationFailures;
  final Timer duration;

  FetchMetrics(MeterRegistry registry) {
    bytesFromPeers = bytes(registry, "peer");
    bytesFromOrigin = bytes(registry, "origin");
    pieces = Counter.builder("wpsync.fetch.pieces")
        .description("Pieces received, verified and stored")
        .register(registry);
    verificationFailures = Counter.builder("wpsync.fetch.verification.failures")
        .description("Pieces that failed SHA-256 verification (the sending peer is banned)")
        .register(registry);
    duration = Timer.builder("wpsync.fetch.duration")
        .description("Duration of swarm downloads of a release, by outcome")
        .tag("outcome", "success")
        .register(registry);
  }

  private static Counter bytes(MeterRegistry registry, String source) {
    return Counter.builder("wpsync.fetch.bytes")
        .description("Piece bytes received and verified, by source")
        .baseUnit("bytes")
        .tag("source", source)
        .register(registry);
  }
}
