package io.wpsync.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpApiServerTest {
  private static final String ADMIN = "admin-token-0123456789";
  private static final String READER = "read-token-0123456789";

  @TempDir Path tmp;
  private HttpApiServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final AtomicLong uploadedBytes = new AtomicLong();

  record Echo(String name) {}

  @BeforeEach
  void start() throws Exception {
    Router router = new Router()
        .get("/healthz", Scope.NONE, r -> ApiResponse.text(200, "text/plain", "ok\n"))
        .get("/api/v1/items/{id}", Scope.READ, r -> ApiResponse.json(200, Map.of("id", r.pathParam("id"))))
        .post("/api/v1/echo", Scope.ADMIN, r -> ApiResponse.json(200, r.json(Echo.class)))
        .upload("/api/v1/upload", Scope.ADMIN, r -> {
          uploadedBytes.set(Files.size(r.bodyFile()));
          return ApiResponse.json(201, Map.of("bytes", Files.size(r.bodyFile())));
        })
        .get("/api/v1/boom", Scope.READ, r -> {
          throw ApiException.conflict("rollout ro-1 is in progress");
        });
    TokenAuth auth = TokenAuth.parse(List.of("admin " + ADMIN, "read " + READER), "test");
    server = new HttpApiServer(HttpApiServer.Config.of("127.0.0.1", 0, tmp.resolve("uploads"))
        .withMaxUploadBytes(1 << 20), router, auth).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.build(), BodyHandlers.ofString());
  }

  private HttpRequest.Builder req(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path));
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  @Test
  void publicRouteNeedsNoToken() throws Exception {
    HttpResponse<String> r = send(req("/healthz", null));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok\n");
  }

  @Test
  void pathParametersAndScopes() throws Exception {
    assertThat(send(req("/api/v1/items/r42", READER)).body()).contains("\"id\":\"r42\"");
    assertThat(send(req("/api/v1/items/r42", ADMIN)).statusCode()).isEqualTo(200);
  }

  @Test
  void refusesMissingWrongAndInsufficientTokens() throws Exception {
    HttpResponse<String> none = send(req("/api/v1/items/1", null));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("content-type")).hasValue(ApiResponse.PROBLEM_JSON);
    assertThat(none.headers().firstValue("www-authenticate")).isPresent();
    assertThat(send(req("/api/v1/items/1", "not-a-known-token-000")).statusCode()).isEqualTo(401);
    HttpResponse<String> weak = send(req("/api/v1/echo", READER).POST(BodyPublishers.ofString("{\"name\":\"x\"}")));
    assertThat(weak.statusCode()).isEqualTo(403);
    assertThat(weak.body()).contains("needs admin");
  }

  @Test
  void unknownRouteAndWrongMethod() throws Exception {
    assertThat(send(req("/nope", ADMIN)).statusCode()).isEqualTo(404);
    assertThat(send(req("/api/v1/echo", ADMIN)).statusCode()).isEqualTo(405);
  }

  @Test
  void jsonBodiesAndMalformedJson() throws Exception {
    HttpResponse<String> ok = send(req("/api/v1/echo", ADMIN).POST(BodyPublishers.ofString("{\"name\":\"x\"}")));
    assertThat(ok.body()).isEqualTo("{\"name\":\"x\"}");
    HttpResponse<String> bad = send(req("/api/v1/echo", ADMIN).POST(BodyPublishers.ofString("{\"name\":")));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("malformed JSON");
    HttpResponse<String> unknown = send(req("/api/v1/echo", ADMIN).POST(BodyPublishers.ofString("{\"nme\":1}")));
    assertThat(unknown.statusCode()).isEqualTo(400);
  }

  @Test
  void apiExceptionsBecomeProblems() throws Exception {
    HttpResponse<String> r = send(req("/api/v1/boom", READER));
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.body()).contains("\"status\":409").contains("ro-1 is in progress");
  }

  @Test
  void uploadsStreamToDiskAndAreDeletedAfterwards() throws Exception {
    byte[] data = new byte[700_000];
    HttpResponse<String> r = send(req("/api/v1/upload", ADMIN).POST(BodyPublishers.ofByteArray(data)));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(uploadedBytes.get()).isEqualTo(700_000);
    try (var files = Files.list(tmp.resolve("uploads"))) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void oversizeUploadIsRefusedByDeclaredLength() throws Exception {
    HttpResponse<String> r = send(req("/api/v1/upload", ADMIN).POST(BodyPublishers.ofByteArray(new byte[(1 << 20) + 1])));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(uploadedBytes.get()).isZero();
  }

  @Test
  void theRefusalReachesAClientStillSendingItsBody() throws Exception {
    // refused by its head while megabytes of body are on the way: closing at once would reset the
    // connection under the reply (the client saw "header parser received no bytes")
    byte[] body = new byte[8 << 20];
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = send(req("/api/v1/upload", ADMIN).POST(BodyPublishers.ofByteArray(body)));
      assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(413);
      assertThat(r.body()).contains("exceeds the limit");
    }
    assertThat(uploadedBytes.get()).isZero();
  }

  @Test
  void oversizeChunkedUploadIsCutOff() throws Exception {
    // no Content-Length: the limit is enforced while streaming
    InputStream endless = new InputStream() {
      long left = 3L << 20;

      @Override
      public int read() {
        return left-- > 0 ? 'x' : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        left -= n;
        java.util.Arrays.fill(b, off, off + n, (byte) 'x');
        return n;
      }
    };
    int status = send(req("/api/v1/upload", ADMIN).POST(BodyPublishers.ofInputStream(() -> endless))).statusCode();
    assertThat(status).isEqualTo(413);
    assertThat(uploadedBytes.get()).isZero();
    try (var files = Files.list(tmp.resolve("uploads"))) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void tokenFileRejectsShortTokensAndUnknownScopes() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenAuth.parse(List.of("admin short"), "f"))
        .hasMessageContaining("line 1").hasMessageContaining("shorter");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenAuth.parse(List.of("root " + ADMIN), "f"))
        .hasMessageContaining("unknown scope 'root'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenAuth.parse(List.of("# nothing"), "f"))
        .hasMessageContaining("no token");
  }
}
