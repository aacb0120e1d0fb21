package io.wpsync.agent.capture;

import io.wpsync.core.cluster.ClusterJson;
import io.wpsync.core.cluster.ProposalInfo;
import io.wpsync.core.hash.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Proposes a captured tree to a coordinator: {@code POST /api/v1/proposals?agent=&base=&manifest=[&parent=]}
 * with the manifest's canonical bytes as the body and the capture-scoped bearer token. The
 * coordinator fetches the objects it lacks from this agent's peer server before it answers, so a
 * 2xx means the content is safe on the coordinator. Coordinators are tried in turn; a 5xx or an
 * unreachable one moves to the next.
 */
public final class ProposalClient implements Proposer {
  /** A proposal's content transfer can take a while for a big plugin. */
  static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

  private final Supplier<List<String>> coordinatorUrls;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param coordinatorUrls admin URLs to try, in order (asked anew for every proposal)
   * @param token the capture-scoped token (null: none configured, every proposal fails with a clear error)
   */
  public ProposalClient(Supplier<List<String>> coordinatorUrls, String token) {
    this.coordinatorUrls = Objects.requireNonNull(coordinatorUrls, "coordinatorUrls");
    this.token = token;
  }

  /** Reads the token from a file holding it alone (or as {@code capture <token>}). */
  public static String readToken(Path file) throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split("\\s+");
      if (parts.length == 1) {
        return parts[0];
      }
      if (parts.length == 2 && parts[0].equalsIgnoreCase("capture")) {
        return parts[1];
      }
      throw new IOException(file + ": expected the capture token alone, or 'capture <token>', on one line");
    }
    throw new IOException(file + " holds no token");
  }

  @Override
  public ProposalInfo propose(String agentId, String base, Digest parent, Digest manifestId, byte[] manifest,
      String message)
      throws IOException, ProposalRefusedException, InterruptedException {
    if (token == null) {
      throw new ProposalRefusedException(0, "no capture token configured (--capture-token-file): the coordinator "
          + "accepts proposals only with a capture-scoped token");
    }
    List<String> urls = coordinatorUrls.get();
    if (urls.isEmpty()) {
      throw new IOException("no coordinator is known (none registered in ZooKeeper and no --coordinator given)");
    }
    IOException last = null;
    for (String url : urls) {
      String base0 = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      URI uri = URI.create(base0 + "/api/v1/proposals?agent=" + enc(agentId) + "&base=" + enc(base) + "&manifest="
          + enc(manifestId.toString()) + (parent == null ? "" : "&parent=" + enc(parent.toString()))
          + (message == null ? "" : "&message=" + enc(message)));
      HttpRequest req = HttpRequest.newBuilder(uri)
          .timeout(REQUEST_TIMEOUT)
          .header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofByteArray(manifest))
          .build();
      HttpResponse<byte[]> r;
      try {
        r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        last = new IOException("coordinator " + base0 + " did not answer: " + e.getMessage(), e);
        continue;
      }
      int status = r.statusCode();
      String body = new String(r.body(), StandardCharsets.UTF_8);
      if (status == 200 || status == 201) {
        return ClusterJson.read(r.body(), ProposalInfo.class);
      }
      if (status >= 500) {
        last = new IOException("coordinator " + base0 + " answered " + status + ": " + detail(body));
        continue;
      }
      throw new ProposalRefusedException(status, "coordinator " + base0 + " refused the proposal (" + status + "): "
          + detail(body));
    }
    throw last;
  }

  private static String detail(String problemJson) {
    try {
      var node = ClusterJson.mapper().readTree(problemJson);
      if (node != null && node.hasNonNull("detail")) {
        return node.get("detail").asText();
      }
    } catch (IOException e) {
      // not JSON: show it as is
    }
    return problemJson.length() > 300 ? problemJson.substring(0, 300) + "…" : problemJson;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
