package io.wpsync.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request as a route sees it: method, path, the values of {@code {name}} path segments, query
 * parameters, headers (lower-case names), the scope of the caller's token, and the body: in memory
 * for ordinary routes, or a temporary file for upload routes (deleted after the route returns
 * unless the route moved it).
 */
public final class ApiRequest {
  private final String method;
  private final String path;
  private final Map<String, String> pathParams;
  private final Map<String, List<String>> query;
  private final Map<String, String> headers;
  private final Scope caller;
  private final byte[] body;
  private final Path bodyFile;

  ApiRequest(String method, String path, Map<String, String> pathParams, Map<String, List<String>> query,
      Map<String, String> headers, Scope caller, byte[] body, Path bodyFile) {
    this.method = method;
    this.path = path;
    this.pathParams = Map.copyOf(pathParams);
    this.query = Map.copyOf(query);
    this.headers = Map.copyOf(headers);
    this.caller = caller;
    this.body = body;
    this.bodyFile = bodyFile;
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  /** The value of path segment {@code {name}}. */
  public String pathParam(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalArgumentException("route has no path parameter {" + name + "}");
    }
    return v;
  }

  /** The first value of query parameter {@code name}. */
  public Optional<String> query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** A header by case-insensitive name. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  /** The scope granted to the caller's token ({@link Scope#NONE} on public routes without one). */
  public Scope caller() {
    return caller;
  }

  /** The body bytes of a non-upload route (empty if none). */
  public byte[] body() {
    if (body == null) {
      throw new IllegalStateException("upload routes read bodyFile(), not body()");
    }
    return body;
  }

  /** The streamed body of an upload route. */
  public Path bodyFile() {
    if (bodyFile == null) {
      throw new IllegalStateException("only upload routes have a body file");
    }
    return bodyFile;
  }

  /** Opens the body, wherever it is kept. */
  public InputStream openBody() throws IOException {
    return bodyFile != null ? Files.newInputStream(bodyFile) : new java.io.ByteArrayInputStream(body);
  }

  /** The body parsed as JSON into {@code type}; malformed JSON is a 400 with the parser's reason. */
  public <T> T json(Class<T> type) throws ApiException {
    byte[] b = body();
    if (b.length == 0) {
      throw ApiException.badRequest("a JSON body is required");
    }
    try {
      T value = ApiJson.mapper().readValue(b, type);
      if (value == null) {
        throw ApiException.badRequest("a JSON object is required, got null");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("unreadable body: " + e.getMessage());
    }
  }
}
