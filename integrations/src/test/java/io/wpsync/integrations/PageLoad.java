package io.wpsync.integrations;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Continuous, bounded HTTP load on the pods' pages, checking EVERY response: the four template
 * parts (header, index, part, footer) carry one and the same version; the release named by the
 * {@code X-Wpsync-Release} header is the one every theme asset URL names ({@code
 * /wpsync-releases/<id>/themes/...}); and that release's own stylesheet, fetched from the same pod,
 * carries the same version. A response breaking any of this is a "mixed" response.
 */
final class PageLoad implements AutoCloseable {
  private static final Pattern MARK = Pattern.compile("WPSYNC-MARK:(header|index|part|footer):(v\\d+)");
  private static final Pattern ASSET = Pattern.compile("/wpsync-releases/([A-Za-z0-9][A-Za-z0-9._-]*)/themes/wpsync-e2e/(style\\.css|marker\\.js)");
  private static final Pattern STYLE_MARK = Pattern.compile("WPSYNC-MARK:style:(v\\d+)");

  /** What one checked response showed. */
  record Seen(String url, String release, String version, long atNanos) {}

  private final List<String> urls;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, String> versionOfRelease = new ConcurrentHashMap<>();
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final int maxRequests;

  PageLoad(List<String> urls, int maxRequests) {
    this.urls = List.copyOf(urls);
    this.maxRequests = maxRequests;
  }

  /** Starts {@code n} threads, each cycling through the URLs from a different offset. */
  PageLoad start(int n) {
    for (int t = 0; t < n; t++) {
      int offset = t;
      Thread th = new Thread(() -> run(offset), "page-load-" + t);
      th.setDaemon(true);
      threads.add(th);
      th.start();
    }
    return this;
  }

  private void run(int offset) {
    for (int i = offset; !stop.get() && requests.incrementAndGet() <= maxRequests; i++) {
      String url = urls.get(i % urls.size());
      try {
        Seen s = check(url);
        if (s != null) {
          seen.add(s);
        }
      } catch (Exception e) {
        violations.add(url + ": " + e);
      }
    }
  }

  /** Fetches and checks one page; null (with a violation recorded) when it is mixed or broken. */
  Seen check(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    String body = r.body();
    if (r.statusCode() != 200) {
      violations.add(url + ": HTTP " + r.statusCode() + " " + WpBrowser.abbreviate(body));
      return null;
    }
    String release = r.headers().firstValue("X-Wpsync-Release").orElse(null);
    Set<String> versions = new TreeSet<>();
    int marks = 0;
    for (Matcher m = MARK.matcher(body); m.find(); marks++) {
      versions.add(m.group(2));
    }
    Set<String> assetReleases = new TreeSet<>();
    int assets = 0;
    for (Matcher m = ASSET.matcher(body); m.find(); assets++) {
      assetReleases.add(m.group(1));
    }
    if (marks != 4 || versions.size() != 1 || assets != 2 || !assetReleases.equals(Set.of(String.valueOf(release)))) {
      violations.add(url + ": mixed or incomplete page: header release " + release + ", " + marks + " template markers "
          + versions + ", " + assets + " theme asset URLs of " + assetReleases);
      return null;
    }
    String version = versions.iterator().next();
    String base = url.substring(0, url.indexOf('/', "http://".length()));
    String assetVersion = versionOfRelease.computeIfAbsent(release + "@" + base, k -> styleVersion(base, release));
    if (!version.equals(assetVersion)) {
      violations.add(url + ": page of release " + release + " shows " + version + " but that release's stylesheet is "
          + assetVersion);
      return null;
    }
    return new Seen(url, release, version, System.nanoTime());
  }

  /** The version in release {@code release}'s stylesheet as pod {@code base} serves it. */
  String styleVersion(String base, String release) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/wpsync-releases/" + release
          + "/themes/wpsync-e2e/style.css")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(
          StandardCharsets.UTF_8));
      Matcher m = STYLE_MARK.matcher(r.body());
      return r.statusCode() == 200 && m.find() ? m.group(1) : "HTTP " + r.statusCode();
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** True once every URL has answered with {@code version} since this call's {@code sinceNanos}. */
  boolean allServed(String version, long sinceNanos) {
    Set<String> done = new TreeSet<>();
    synchronized (seen) {
      for (Seen s : seen) {
        if (s.atNanos() >= sinceNanos && s.version().equals(version)) {
          done.add(s.url());
        }
      }
    }
    return done.containsAll(urls);
  }

  boolean exhausted() {
    return requests.get() >= maxRequests;
  }

  int requests() {
    return Math.min(requests.get(), maxRequests);
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /** Responses per version. */
  Map<String, Integer> perVersion() {
    Map<String, Integer> m = new java.util.TreeMap<>();
    synchronized (seen) {
      for (Seen s : seen) {
        m.merge(s.version(), 1, Integer::sum);
      }
    }
    return m;
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(35_000);
    }
  }
}
