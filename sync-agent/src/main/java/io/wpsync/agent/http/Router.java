package io.wpsync.agent.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps (method, path) to a {@link Route}. Patterns are literal segments and {@code {name}}
 * placeholders, e.g. {@code /api/v1/releases/{id}}; a placeholder matches one non-empty segment.
 * Each route declares the {@link Scope} a caller needs and whether its body is an upload (streamed
 * to disk with the server's size limit) or a small in-memory body.
 *
 * <pre>{@code
 * Router r = new Router()
 *     .get("/healthz", Scope.NONE, req -> ApiResponse.text(200, "text/plain", "ok\n"))
 *     .upload("/api/v1/releases", Scope.ADMIN, releases::create);
 * }</pre>
 */
public final class Router {
  private final List<Entry> entries = new ArrayList<>();

  /** A registered route. */
  public record Entry(String method, String pattern, String[] segments, Scope scope, boolean upload, Route route) {}

  /** A matched route with its path parameters. */
  public record Match(Entry entry, Map<String, String> params) {}

  public Router get(String pattern, Scope scope, Route route) {
    return add("GET", pattern, scope, false, route);
  }

  public Router post(String pattern, Scope scope, Route route) {
    return add("POST", pattern, scope, false, route);
  }

  public Router put(String pattern, Scope scope, Route route) {
    return add("PUT", pattern, scope, false, route);
  }

  public Router delete(String pattern, Scope scope, Route route) {
    return add("DELETE", pattern, scope, false, route);
  }

  /** A POST whose body is streamed to a temporary file, limited to the server's upload size. */
  public Router upload(String pattern, Scope scope, Route route) {
    return add("POST", pattern, scope, true, route);
  }

  public Router add(String method, String pattern, Scope scope, boolean upload, Route route) {
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("route pattern must start with '/': " + pattern);
    }
    entries.add(new Entry(method, pattern, split(pattern), scope, upload, route));
    return this;
  }

  /** Every registered route (for documentation checks). */
  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /**
   * Finds the route for a request.
   *
   * @return the match, or empty with {@code methodMismatch[0]} set when the path exists with other
   *     methods (a 405 rather than a 404)
   */
  public Optional<Match> match(String method, String path, boolean[] methodMismatch) {
    String[] parts = split(path);
    for (Entry e : entries) {
      Map<String, String> params = matchSegments(e.segments(), parts);
      if (params == null) {
        continue;
      }
      if (e.method().equals(method) || (method.equals("HEAD") && e.method().equals("GET"))) {
        return Optional.of(new Match(e, params));
      }
      methodMismatch[0] = true;
    }
    return Optional.empty();
  }

  private static Map<String, String> matchSegments(String[] pattern, String[] parts) {
    if (pattern.length != parts.length) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < pattern.length; i++) {
      String p = pattern[i];
      if (p.startsWith("{") && p.endsWith("}")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        params.put(p.substring(1, p.length() - 1), parts[i]);
      } else if (!p.equals(parts[i])) {
        return null;
      }
    }
    return params;
  }

  private static String[] split(String path) {
    String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return p.equals("/") ? new String[0] : p.substring(1).split("/", -1);
  }
}
