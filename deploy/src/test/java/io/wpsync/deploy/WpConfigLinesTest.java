package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code wp-config-wpsync.php} of the WordPress example in PHP's built-in server (one
 * long-lived worker on 127.0.0.1, so PHP's realpath cache survives between requests as in php-fpm or
 * mod_php): every request resolves {@code current} once, keeps that release while the symlink is
 * switched under it, and the next request sees the new release at once. Skipped where php is not
 * installed.
 */
class WpConfigLinesTest {
  @TempDir
  Path dir;

  private Process server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The request handler: what wp-config.php does before wp-settings.php, then "includes" a theme file. */
  private static final String REQUEST = """
      <?php
      require getenv('WPSYNC_CONFIG');
      $first = file_get_contents(WP_CONTENT_DIR . '/themes/t/style.css');
      if (isset($_GET['pause'])) {
          // let the test switch `current` from outside (as the agent does) while this request runs
          $dir = getenv('WPSYNC_MARKERS');
          touch("$dir/reached");
          for ($i = 0; $i < 200 && !file_exists("$dir/switched"); $i++) {
              usleep(25000);
              clearstatcache();
          }
      }
      $second = file_get_contents(WP_CONTENT_DIR . '/themes/t/style.css');
      echo WPSYNC_RELEASE, ' ', $first, ' ', $second;
      """;

  private String startPhp(String config) throws Exception {
    return startPhp(config, REQUEST);
  }

  private String startPhp(String config, String request) throws Exception {
    String php = DeployFilesTest.onPath("php");
    Assumptions.assumeTrue(php != null, "php is not installed: wp-config-wpsync.php not exercised");
    Path root = dir.resolve("wpsync");
    for (String r : new String[] {"r1", "r2"}) {
      Path theme = Files.createDirectories(root.resolve("releases/" + r + "/themes/t"));
      Files.writeString(theme.resolve("style.css"), "css-of-" + r);
    }
    Files.createSymbolicLink(root.resolve("current"), Path.of("releases/r1"));
    Path docroot = Files.createDirectories(dir.resolve("html"));
    Files.writeString(docroot.resolve("index.php"), request);
    Path configFile = dir.resolve("wp-config-wpsync.php");
    Files.writeString(configFile, config);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(php, "-S", "127.0.0.1:" + port, "-t", docroot.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("php.log").toFile());
    pb.environment().put("WPSYNC_ROOT", root.toString());
    pb.environment().put("WPSYNC_CONFIG", configFile.toString());
    pb.environment().put("WPSYNC_MARKERS", Files.createDirectories(dir.resolve("markers")).toString());
    server = pb.start();
    String base = "http://127.0.0.1:" + port + "/";
    for (int i = 0; i < 100; i++) {
      try {
        get(base);
        return base;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new AssertionError("php -S did not start: " + Files.readString(dir.resolve("php.log")));
  }

  private String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body().strip();
  }

  /** What the agent does: a new relative symlink renamed over {@code current}. */
  private void switchTo(String release) throws IOException {
    Path root = dir.resolve("wpsync");
    Path next = root.resolve("current.next");
    Files.deleteIfExists(next);
    Files.createSymbolicLink(next, Path.of("releases/" + release));
    Files.move(next, root.resolve("current"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** A request during which {@code current} is switched to {@code release}. */
  private String getWhileSwitching(String base, String release) throws Exception {
    Path markers = dir.resolve("markers");
    Files.deleteIfExists(markers.resolve("reached"));
    Files.deleteIfExists(markers.resolve("switched"));
    var pending = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "?pause=1")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    for (int i = 0; i < 200 && !Files.exists(markers.resolve("reached")); i++) {
      Thread.sleep(25);
    }
    assertThat(markers.resolve("reached")).exists();
    switchTo(release);
    Files.createFile(markers.resolve("switched"));
    HttpResponse<String> r = pending.get(10, TimeUnit.SECONDS);
    return r.statusCode() + " " + r.body().strip();
  }

  private static String shippedConfig() throws IOException {
    return Files.readString(Kustomize.deployDir().resolve("base/wordpress-example/wp-config-wpsync.php"));
  }

  @Test
  void eachRequestKeepsOneReleaseAndTheNextSeesTheSwitchAtOnce() throws Exception {
    String base = startPhp(shippedConfig());
    assertThat(get(base)).isEqualTo("200 r1 css-of-r1 css-of-r1");
    // switched mid-request: this request finishes on r1 ...
    assertThat(getWhileSwitching(base, "r2")).isEqualTo("200 r1 css-of-r1 css-of-r1");
    // ... and the very next request, in the same PHP worker, is on r2
    assertThat(get(base)).isEqualTo("200 r2 css-of-r2 css-of-r2");
    assertThat(getWhileSwitching(base, "r1")).isEqualTo("200 r2 css-of-r2 css-of-r2");
    assertThat(get(base)).isEqualTo("200 r1 css-of-r1 css-of-r1");
  }

  @Test
  void withoutClearstatcacheAWorkerWouldKeepTheOldRelease() throws Exception {
    // the control experiment: why the shipped file calls clearstatcache(true)
    String base = startPhp(shippedConfig().replace("clearstatcache(true);", ""));
    assertThat(get(base)).isEqualTo("200 r1 css-of-r1 css-of-r1");
    switchTo("r2");
    assertThat(get(base)).as("PHP's realpath cache still maps current to r1").startsWith("200 r1");
  }

  /** Prints the directories and URLs the lines define, and what the upload_dir filter makes of uploads. */
  private static final String URLS = """
      <?php
      function get_option($name) { return $name === 'siteurl' ? 'http://www.example.com/site2/' : null; }
      require getenv('WPSYNC_CONFIG');
      $hook = $GLOBALS['wp_filter']['upload_dir'][10][0];
      $u = call_user_func($hook['function'], ['url' => WP_CONTENT_URL . '/uploads/sites/2/2026/01',
          'baseurl' => WP_CONTENT_URL . '/uploads/sites/2', 'path' => WP_CONTENT_DIR . '/uploads/sites/2/2026/01']);
      echo implode("\n", [WPSYNC_RELEASE, basename(WP_CONTENT_DIR), substr(WP_PLUGIN_DIR, -19), substr(WPMU_PLUGIN_DIR, -22),
          WP_CONTENT_URL, WP_PLUGIN_URL, WPMU_PLUGIN_URL, $u['url'], $u['baseurl'], basename(dirname($u['path'], 5))]);
      """;

  @Test
  void assetUrlsNameTheReleaseAndMediaUrlsDoNot() throws Exception {
    String base = startPhp(shippedConfig(), URLS);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.headers().firstValue("X-Wpsync-Release")).hasValue("r1");
    assertThat(r.body().strip().split("\n")).containsExactly(
        "r1", "r1", "releases/r1/plugins", "releases/r1/mu-plugins",
        "/wpsync-releases/r1", "/wpsync-releases/r1/plugins", "/wpsync-releases/r1/mu-plugins",
        // media keep WordPress's usual URL: they are stored in posts and must survive every release
        "http://www.example.com/site2/wp-content/uploads/sites/2/2026/01",
        "http://www.example.com/site2/wp-content/uploads/sites/2",
        "r1");
    switchTo("r2");
    assertThat(get(base)).contains("/wpsync-releases/r2/plugins");
  }

  @Test
  void answers503WhenNoReleaseIsOnTheNode() throws Exception {
    String base = startPhp(shippedConfig());
    Path root = dir.resolve("wpsync");
    Files.delete(root.resolve("current"));
    assertThat(get(base)).startsWith("503 wp-content is not available on this node yet.");
  }
}
