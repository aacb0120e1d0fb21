package io.wpsync.agent.peer.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.wpsync.core.wire.ErrorCode;
import java.util.concurrent.atomic.AtomicInteger;

/** The peer server's meters. Tags have few values: never node ids or digests. */
final class ServerMetrics {
  final AtomicInteger active = new AtomicInteger();
  private final MeterRegistry registry;
  private final Counter uploadedBytes;
  private final Counter uploadedPieces;

  ServerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("wpsync.peer.connections.active", active, AtomicInteger::get)
        .description("Open peer-protocol connections")
        .tag("side", "server")
        .register(registry);
    uploadedBytes = Counter.builder("wpsync.peer.upload.bytes")
        .description("Piece bytes sent to peers")
        .baseUnit("bytes")
        .register(registry);
    uploadedPieces = Counter.builder("wpsync.peer.upload.pieces")
        .description("Pieces sent to peers")
        .register(registry);
  }

  void uploaded(int bytes) {
    uploadedBytes.increment(bytes);
    uploadedPieces.increment();
  }

  void rejected(ErrorCode code) {
    Counter.builder("wpsync.peer.upload.rejected")
        .description("Piece requests answered with REJECT, by reason")
        .tag("code", code.name())
        .register(registry)
        .increment();
  }

  void protocolError(ErrorCode code) {
    Counter.builder("wpsync.peer.protocol.errors")
        .description("Connections closed for a protocol or authentication error, by code")
        .tag("code", code.name())
        .register(registry)
        .increment();
  }

  double uploadedBytes() {
    return uploadedBytes.count();
  }
}
