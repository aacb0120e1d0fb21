package io.wpsync.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response built by a route: status, content type, body bytes and extra headers. */
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
  public static final String JSON = "application/json";
  public static final String PROBLEM_JSON = "application/problem+json";

  public ApiResponse {
    headers = Map.copyOf(headers);
  }

  /** {@code value} serialized as JSON. */
  public static ApiResponse json(int status, Object value) {
    try {
      return new ApiResponse(status, JSON, ApiJson.mapper().writeValueAsBytes(value), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize response " + value.getClass(), e);
    }
  }

  public static ApiResponse text(int status, String contentType, String body) {
    return new ApiResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  /** An RFC 9457 problem document. */
  public static ApiResponse problem(int status, String title, String detail) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", "about:blank");
    p.put("title", title);
    p.put("status", status);
    p.put("detail", detail);
    try {
      return new ApiResponse(status, PROBLEM_JSON, ApiJson.mapper().writeValueAsBytes(p), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ApiResponse problem(ApiException e) {
    return problem(e.status(), e.title(), e.detail());
  }

  /** A copy with one more header. */
  public ApiResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiResponse(status, contentType, body, h);
  }
}
