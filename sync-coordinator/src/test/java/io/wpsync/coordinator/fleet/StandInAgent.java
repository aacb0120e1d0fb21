package io.wpsync.coordinator.fleet;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP server on 127.0.0.1 answering {@code GET /status} with a JSON body the test sets, as
 * an agent would, optionally after a delay; it counts the requests it served.
 */
final class StandInAgent implements AutoCloseable {
  final AtomicInteger requests = new AtomicInteger();
  final AtomicReference<String> body = new AtomicReference<>("{}");
  final AtomicLong delayMillis = new AtomicLong();
  private final HttpServer server;

  StandInAgent() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/status", ex -> {
      requests.incrementAndGet();
      try {
        Thread.sleep(delayMillis.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** An agent status JSON fetching {@code release}: done/total bytes. */
  static String fetching(String release, long done, long total) {
    return "{\"id\":\"a\",\"ready\":true,\"readyReason\":\"on the committed release r1\",\"behindMillis\":0,"
        + "\"zkConnected\":true,\"state\":\"PREPARING\",\"someFieldFromANewerAgent\":1,"
        + "\"progress\":{\"release\":\"" + release + "\",\"purpose\":\"prepare\",\"bytesDone\":" + done
        + ",\"bytesTotal\":" + total + ",\"piecesDone\":3,\"piecesTotal\":10,\"startedAt\":1,\"active\":true}}";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
