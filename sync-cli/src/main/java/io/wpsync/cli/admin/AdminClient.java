package io.wpsync.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * The coordinator's REST API ({@code /api/v1}) as Java calls, for the CLI and the demo. Every call
 * sends the bearer token; a problem+json reply becomes an {@link AdminException} carrying its
 * status and detail.
 *
 * <pre>{@code
 * AdminClient api = new AdminClient(URI.create("http://127.0.0.1:8080"), token);
 * JsonNode release = api.createRelease(Path.of("wp-content"), "theme 1.1", "alice");
 * JsonNode rollout = api.startRollout(release.get("id").asText(), null);
 * }</pre>
 */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI server;
  private final String token;
  private final HttpClient http;

  public AdminClient(URI server, String token) {
    this.server = server;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The server this client talks to. */
  public URI server() {
    return server;
  }

  /**
   * Creates a release from a directory (streamed as a tar), or from a {@code .tar}, {@code .tar.gz}
   * or {@code .tgz} bundle sent as is.
   */
  public JsonNode createRelease(Path source, String message, String author, Predicate<String> include)
      throws AdminException, InterruptedException {
    Map<String, String> query = new java.util.LinkedHashMap<>();
    if (message != null) {
      query.put("message", message);
    }
    if (author != null) {
      query.put("author", author);
    }
    String path = "/api/v1/releases" + queryString(query);
    BodyPublisher body;
    String type;
    if (Files.isDirectory(source)) {
      type = "application/x-tar";
      body = BodyPublishers.ofInputStream(() -> tarStream(source, include));
    } else if (Files.isRegularFile(source)) {
      String name = source.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
        type = "application/gzip";
      } else if (name.endsWith(".tar")) {
        type = "application/x-tar";
      } else if (name.endsWith(".zip")) {
        type = "application/zip";
      } else {
        throw new AdminException(0, source + ": expected a directory or a .tar, .tar.gz, .tgz or .zip bundle");
      }
      try {
        body = BodyPublishers.ofFile(source);
      } catch (IOException e) {
        throw new AdminException(0, "cannot read " + source + ": " + e.getMessage());
      }
    } else {
      throw new AdminException(0, source + ": no such directory or bundle");
    }
    return send(request(path).header("Content-Type", type).POST(body), path);
  }

  /**
   * Installs a WordPress theme or plugin {@code .zip} on top of {@code base} (null: the committed
   * release): {@code kind} is {@code theme} or {@code plugin}.
   */
  public JsonNode install(String kind, Path zip, String base, String message, String author, boolean allowStaleBase)
      throws AdminException, InterruptedException {
    if (!kind.equals("theme") && !kind.equals("plugin")) {
      throw new IllegalArgumentException("kind must be theme or plugin, got " + kind);
    }
    if (!Files.isRegularFile(zip)) {
      throw new AdminException(0, zip + ": no such file (expected the " + kind + "'s .zip)");
    }
    Map<String, String> query = new java.util.LinkedHashMap<>();
    if (base != null && !base.isBlank()) {
      query.put("base", base);
    }
    if (message != null) {
      query.put("message", message);
    }
    if (author != null) {
      query.put("author", author);
    }
    if (allowStaleBase) {
      query.put("allowStaleBase", "true");
    }
    String path = "/api/v1/releases/" + kind + queryString(query);
    BodyPublisher body;
    try {
      body = BodyPublishers.ofFile(zip);
    } catch (IOException e) {
      throw new AdminException(0, "cannot read " + zip + ": " + e.getMessage());
    }
    return send(request(path).header("Content-Type", "application/zip").POST(body), path);
  }

  private static java.io.InputStream tarStream(Path dir, Predicate<String> include) {
    try {
      PipedInputStream in = new PipedInputStream(1 << 16);
      PipedOutputStream out = new PipedOutputStream(in);
      Thread writer = new Thread(() -> {
        try (out) {
          TarStreamer.write(dir, include, out);
        } catch (IOException e) {
          // the reader sees a truncated stream; the server rejects the incomplete tar
          System.err.println("wpsync: streaming " + dir + " failed: " + e.getMessage());
        }
      }, "tar-" + dir.getFileName());
      writer.setDaemon(true);
      writer.start();
      return in;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public JsonNode releases() throws AdminException, InterruptedException {
    return get("/api/v1/releases");
  }

  public JsonNode release(String id) throws AdminException, InterruptedException {
    return get("/api/v1/releases/" + enc(id));
  }

  /** Starts a rollout of {@code release}; {@code deadlineSeconds} may be null for the default. */
  public JsonNode startRollout(String release, Integer deadlineSeconds) throws AdminException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("release", release);
    if (deadlineSeconds != null) {
      body.put("deadlineSeconds", deadlineSeconds);
    }
    return post("/api/v1/rollouts", body);
  }

  /** Rolls back to {@code release}, or to the previous committed release when null. */
  public JsonNode rollback(String release) throws AdminException, InterruptedException {
    ObjectNode body = JSON.createObjectNode();
    if (release != null) {
      body.put("release", release);
    }
    return post("/api/v1/rollback", body);
  }

  public JsonNode rollout(String id) throws AdminException, InterruptedException {
    return get("/api/v1/rollouts/" + enc(id));
  }

  public JsonNode rollouts() throws AdminException, InterruptedException {
    return get("/api/v1/rollouts");
  }

  public JsonNode abortRollout(String id) throws AdminException, InterruptedException {
    return post("/api/v1/rollouts/" + enc(id) + "/abort", JSON.createObjectNode());
  }

  public JsonNode agents() throws AdminException, InterruptedException {
    return get("/api/v1/agents");
  }

  /** The agents from ZooKeeper only, without asking each agent for its live status. */
  public JsonNode agentsFromZooKeeper() throws AdminException, InterruptedException {
    return get("/api/v1/agents?live=false");
  }

  public JsonNode status() throws AdminException, InterruptedException {
    return get("/api/v1/status");
  }

  /** Local-change proposals, newest first; {@code state} (e.g. PENDING) filters, null lists all. */
  public JsonNode proposals(String state) throws AdminException, InterruptedException {
    return get("/api/v1/proposals" + (state == null ? "" : queryString(Map.of("state", state))));
  }

  /** One proposal with the paths it changes. */
  public JsonNode proposal(String id) throws AdminException, InterruptedException {
    return get("/api/v1/proposals/" + enc(id));
  }

  /** {@code action} is approve, reject or resolve ({@code keep}: proposal or committed, resolve only). */
  public JsonNode decideProposal(String id, String action, String by, String keep)
      throws AdminException, InterruptedException {
    com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode();
    if (by != null) {
      body.put("by", by);
    }
    if (keep != null) {
      body.put("keep", keep);
    }
    return post("/api/v1/proposals/" + enc(id) + "/" + action, body);
  }

  /** The content of one file of a proposal's tree. */
  public byte[] proposalFile(String id, String path) throws AdminException, InterruptedException {
    String p = "/api/v1/proposals/" + enc(id) + "/file" + queryString(Map.of("path", path));
    HttpResponse<byte[]> r;
    try {
      r = http.send(request(p).GET().build(), BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new AdminException(0, "cannot reach the coordinator at " + server + " (is it running? set --server or WPSYNC_SERVER)");
    } catch (IOException e) {
      throw new AdminException(0, p + ": " + e.getMessage());
    }
    if (r.statusCode() >= 400) {
      String detail;
      try {
        detail = JSON.readTree(r.body()).path("detail").asText("HTTP " + r.statusCode());
      } catch (IOException e) {
        detail = "HTTP " + r.statusCode();
      }
      throw new AdminException(r.statusCode(), detail + " (HTTP " + r.statusCode() + ")");
    }
    return r.body();
  }

  private JsonNode get(String path) throws AdminException, InterruptedException {
    return send(request(path).GET(), path);
  }

  private JsonNode post(String path, JsonNode body) throws AdminException, InterruptedException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return send(request(path).header("Content-Type", "application/json").POST(BodyPublishers.ofByteArray(bytes)), path);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofMinutes(10));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.strip());
    }
    return b;
  }

  private JsonNode send(HttpRequest.Builder b, String path) throws AdminException, InterruptedException {
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new AdminException(0, "cannot reach the coordinator at " + server + " (is it running? set --server or WPSYNC_SERVER)");
    } catch (IOException e) {
      throw new AdminException(0, path + ": " + e.getMessage());
    }
    JsonNode body;
    try {
      body = r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AdminException(r.statusCode(), path + ": the server replied " + r.statusCode()
          + " with a body that is not JSON: " + new String(r.body(), 0, Math.min(200, r.body().length), StandardCharsets.UTF_8));
    }
    if (r.statusCode() >= 400) {
      String detail = body.path("detail").asText(body.path("title").asText("HTTP " + r.statusCode()));
      throw new AdminException(r.statusCode(), detail + " (HTTP " + r.statusCode() + ")");
    }
    return body;
  }

  private static String queryString(Map<String, String> q) {
    if (q.isEmpty()) {
      return "";
    }
    StringJoiner j = new StringJoiner("&", "?", "");
    q.forEach((k, v) -> j.add(enc(k) + "=" + enc(v)));
    return j.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
