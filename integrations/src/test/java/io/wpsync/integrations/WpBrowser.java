package io.wpsync.integrations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a browser does against a WordPress "pod" that the test reaches by its loopback address: keeps
 * the cookies WordPress sets (whatever their domain: every pod serves the same network, as behind an
 * ingress), never follows redirects, posts forms and multipart uploads, and reads nonces out of pages.
 */
final class WpBrowser {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private final Map<String, String> cookies = new ConcurrentHashMap<>();

  HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    if (!cookies.isEmpty()) {
      StringBuilder c = new StringBuilder();
      cookies.forEach((k, v) -> c.append(c.length() == 0 ? "" : "; ").append(k).append('=').append(v));
      b.header("Cookie", c.toString());
    }
    HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    for (String h : r.headers().allValues("set-cookie")) {
      String pair = h.split(";", 2)[0];
      int eq = pair.indexOf('=');
      if (eq > 0) {
        cookies.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
      }
    }
    return r;
  }

  HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)));
  }

  String getText(String url, int expected) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = get(url);
    String body = new String(r.body(), StandardCharsets.UTF_8);
    if (r.statusCode() != expected) {
      throw new AssertionError("GET " + url + ": expected " + expected + ", got " + r.statusCode() + ": " + abbreviate(body));
    }
    return body;
  }

  /** Logs in through wp-login.php as a browser does (test cookie first); fails unless WordPress sets a session. */
  void login(String base, String user, String password) throws IOException, InterruptedException {
    cookies.put("wordpress_test_cookie", "WP%20Cookie%20check");
    String form = "log=" + enc(user) + "&pwd=" + enc(password) + "&wp-submit=Log+In&testcookie=1";
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(base + "/wp-login.php"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)));
    if (r.statusCode() != 302 || cookies.keySet().stream().noneMatch(k -> k.startsWith("wordpress_logged_in_"))) {
      throw new AssertionError("login failed: " + r.statusCode() + " " + abbreviate(new String(r.body(), StandardCharsets.UTF_8)));
    }
  }

  /** POSTs multipart/form-data: {@code fields} as text, one file part. */
  HttpResponse<byte[]> postMultipart(String url, Map<String, String> fields, String fileField, String fileName,
      String contentType, byte[] file) throws IOException, InterruptedException {
    String boundary = "----wpsync" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n"
          + f.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
        + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  /** The first group of {@code pattern} in {@code page}, or an error naming what was looked for. */
  static String find(String page, String pattern, String what) {
    Matcher m = Pattern.compile(pattern).matcher(page);
    if (!m.find()) {
      throw new AssertionError(what + " not found (" + pattern + ") in: " + abbreviate(page));
    }
    return m.group(1);
  }

  static Map<String, String> fields(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String abbreviate(String s) {
    String t = s.replaceAll("\\s+", " ");
    return t.length() > 1500 ? t.substring(0, 1500) + "…" : t;
  }
}
