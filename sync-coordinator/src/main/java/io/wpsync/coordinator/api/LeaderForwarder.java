package io.wpsync.coordinator.api;

import io.wpsync.agent.http.ApiException;
import io.wpsync.agent.http.ApiRequest;
import io.wpsync.agent.http.ApiResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Supplier;

/**
 * Sends a request a standby cannot serve (it drives no rollouts) to the leader, and returns the
 * leader's answer as is. A request that was already forwarded once, or that finds no leader, gets
 * 503 naming the leader's URL when known, so no request ping-pongs between coordinators.
 */
public final class LeaderForwarder {
  /** Marks a request forwarded by a standby. */
  public static final String FORWARDED_HEADER = "X-Wpsync-Forwarded-By";
  /** Names the leader on forwarded answers and on 503s. */
  public static final String LEADER_HEADER = "X-Wpsync-Leader";

  private final String selfId;
  private final Supplier<String> selfUrl;
  private final Supplier<Optional<String>> leaderUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param selfUrl this coordinator's own admin URL (never forwarded to)
   * @param leaderUrl the current leader's admin URL, from {@code /coordinators}
   */
  public LeaderForwarder(String selfId, Supplier<String> selfUrl, Supplier<Optional<String>> leaderUrl) {
    this.selfId = selfId;
    this.selfUrl = selfUrl;
    this.leaderUrl = leaderUrl;
  }

  /** Forwards {@code req} (with its JSON body) to the leader. */
  public ApiResponse forward(ApiRequest req) throws ApiException, InterruptedException {
    Optional<String> leader = leaderUrl.get().filter(u -> !u.equals(selfUrl.get()));
    if (leader.isEmpty() || req.header(FORWARDED_HEADER).isPresent()) {
      String detail = leader.isEmpty()
          ? "this coordinator is not the leader and no leader is known right now; retry in a few seconds"
          : "this coordinator is not the leader; send the request to " + leader.get();
      throw new ApiException(503, "Service Unavailable", detail);
    }
    String base = leader.get().endsWith("/") ? leader.get().substring(0, leader.get().length() - 1) : leader.get();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + req.path() + query(req)))
        .timeout(Duration.ofMinutes(2))
        .header(FORWARDED_HEADER, selfId)
        .method(req.method(), HttpRequest.BodyPublishers.ofByteArray(req.body()));
    req.header("authorization").ifPresent(v -> b.header("Authorization", v));
    req.header("content-type").ifPresent(v -> b.header("Content-Type", v));
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new ApiException(503, "Service Unavailable",
          "this coordinator is not the leader and the leader at " + base + " did not answer: " + e.getMessage());
    }
    String type = r.headers().firstValue("content-type").orElse(ApiResponse.JSON);
    return new ApiResponse(r.statusCode(), type, r.body(), Map.of(LEADER_HEADER, base));
  }

  private static String query(ApiRequest req) {
    List<String> names = List.of("message", "author", "base");
    StringJoiner j = new StringJoiner("&", "?", "").setEmptyValue("");
    for (String n : names) {
      req.query(n).ifPresent(v -> j.add(n + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    }
    return j.toString();
  }
}
