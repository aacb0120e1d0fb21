package io.wpsync.faults.bed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small HTTP/1.1 client: one request per connection ({@code Connection: close}), so a
 * restarted daemon never meets a stale pooled connection, and the same code can send well-formed
 * requests and the broken ones of the bad-input test. Reads Content-Length and chunked bodies, at
 * most {@link #MAX_BODY} bytes.
 */
public final class RawHttp {
  static final int MAX_BODY = 16 << 20;

  private RawHttp() {}

  /** A response: status, headers (lower-case names) and body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      String t = text();
      return status + " " + (t.length() > 300 ? t.substring(0, 300) + "…" : t);
    }
  }

  public static Response get(InetSocketAddress to, String path, String token, Duration timeout) throws IOException {
    return request(to, "GET", path, token, null, null, timeout);
  }

  public static Response postJson(InetSocketAddress to, String path, String token, String json, Duration timeout)
      throws IOException {
    return request(to, "POST", path, token, "application/json", json.getBytes(StandardCharsets.UTF_8), timeout);
  }

  public static Response postFile(InetSocketAddress to, String path, String token, String type, Path body,
      Duration timeout) throws IOException {
    return request(to, "POST", path, token, type, Files.readAllBytes(body), timeout);
  }

  public static Response request(InetSocketAddress to, String method, String path, String token, String type,
      byte[] body, Duration timeout) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        .append("Host: wpsync\r\nConnection: close\r\nUser-Agent: wpsync-faults\r\n");
    if (token != null) {
      head.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    if (type != null) {
      head.append("Content-Type: ").append(type).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + (body == null ? 0 : body.length)];
    System.arraycopy(h, 0, all, 0, h.length);
    if (body != null) {
      System.arraycopy(body, 0, all, h.length, body.length);
    }
    return exchange(to, all, timeout);
  }

  /** Sends {@code raw} bytes as they are and parses the answer as an HTTP response. */
  public static Response exchange(InetSocketAddress to, byte[] raw, Duration timeout) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(to, (int) Math.min(timeout.toMillis(), 5_000));
      s.setSoTimeout((int) timeout.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(raw);
      out.flush();
      return read(new java.io.BufferedInputStream(s.getInputStream()));
    }
  }

  static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int c = l.indexOf(':');
      if (c > 0) {
        headers.put(l.substring(0, c).strip().toLowerCase(Locale.ROOT), l.substring(c + 1).strip());
      }
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        String size = line(in);
        if (size == null) {
          break;
        }
        int n = Integer.parseInt(size.split(";")[0].strip(), 16);
        if (n == 0 || b.size() + n > MAX_BODY) {
          break;
        }
        b.write(in.readNBytes(n));
        line(in);
      }
      body = b.toByteArray();
    } else if (headers.containsKey("content-length")) {
      long n = Long.parseLong(headers.get("content-length"));
      body = in.readNBytes((int) Math.min(n, MAX_BODY));
    } else {
      body = in.readNBytes(MAX_BODY);
    }
    return new Response(status, headers, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
      if (b.size() > 65_536) {
        throw new IOException("header line too long");
      }
    }
    if (c < 0 && b.size() == 0) {
      return null;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
