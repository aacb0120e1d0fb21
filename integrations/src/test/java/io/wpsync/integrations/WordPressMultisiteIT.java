package io.wpsync.integrations;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WordPress Multisite (Debian's {@code wordpress} package, a private MariaDB) served by two "pods"
 * (PHP's built-in server with {@code router.php}, several workers each), each pod's wp-content
 * coming from its own wpsync agent through the shipped {@code wp-config-wpsync.php}; a real
 * coordinator and two real agents run as processes of the wpsync jar.
 *
 * <ol>
 *   <li>Installs the network with WordPress's own functions (wp_install, install_network,
 *       populate_network, wpmu_create_blog): the main site and sub-sites site2 and site3.</li>
 *   <li>Rolls out theme v2 through the admin API (POST /api/v1/releases/theme, then a rollout) under
 *       continuous HTTP load on every pod and site: every response is checked (PageLoad) and none may
 *       mix two releases; then every pod serves v2 on every site.</li>
 *   <li>The Network Admin page of the mu-plugin on a pod shows its current release.</li>
 *   <li>Uploads a plugin zip through the dashboard's upload flow on pod 1 (a logged-in session, the
 *       nonce of Network Admin → Plugins → Add New → Upload, POST update.php?action=upload-plugin):
 *       the live agent captures it, the coordinator rolls it out, and pod 2 lists it. Needs live
 *       capture in this build (issue 6); skipped with a message otherwise.</li>
 *   <li>Uploads an image on pod 1 (site2, async-upload.php as the media uploader does) and reads it
 *       back from pod 2 at its stable (release-free) URL.</li>
 *   <li>Rolls back to the first release under load, again with every response checked.</li>
 * </ol>
 * Skipped when php, MariaDB or WordPress are missing, except with CI=true (then it fails).
 */
class WordPressMultisiteIT {
  private static final String HOST = "wp.test";
  private static final String ADMIN_PASSWORD = "e2e-" + Long.toHexString(new SecureRandom().nextLong());
  private static final List<String> SITES = List.of("/", "/site2/", "/site3/");

  @TempDir
  Path dir;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private Path php;
  private Path core;
  private Path e2e;
  private WpsyncCluster cluster;
  private MariaDb db;

  @AfterEach
  void stopAll() {
    for (int i = closing.size() - 1; i >= 0; i--) {
      try {
        closing.get(i).close();
      } catch (Exception e) {
        System.err.println("closing: " + e);
      }
    }
  }

  @Test
  void multisiteServedFromWpsyncAgents() throws Exception {
    php = Tools.require("the WordPress pods are PHP's built-in server", "php");
    Path mariadbd = Tools.require("WordPress needs MariaDB", "mariadbd", "mysqld");
    Path installDb = Tools.require("initialises MariaDB's data directory", "mariadb-install-db", "mysql_install_db");
    Path client = Tools.require("creates the database", "mariadb", "mysql");
    Path wordpress = Tools.requireFile(Path.of("/usr/share/wordpress/wp-settings.php"), "Debian's wordpress package").getParent();
    requirePhpModule("mysqli");
    e2e = MuPluginFunctionsIT.pluginDir().getParent().resolve("src/test/wordpress-e2e");

    cluster = closeLater(new WpsyncCluster(dir.resolve("wpsync")));
    cluster.startCoordinator();
    boolean live = cluster.hasLiveCapture();
    WpsyncCluster.Agent agent1 = cluster.startAgent("node-1", live);
    WpsyncCluster.Agent agent2 = cluster.startAgent("node-2", live);
    List<WpsyncCluster.Agent> agents = List.of(agent1, agent2);

    // Release 1: the network's theme v1, the mu-plugin, an empty plugins/.
    Path tree = dir.resolve("tree");
    theme(tree.resolve("themes/wpsync-e2e"), "v1");
    Bundles.copyTree(MuPluginFunctionsIT.pluginDir().resolve("wpsync"), Files.createDirectories(tree.resolve("mu-plugins/wpsync")));
    Files.copy(MuPluginFunctionsIT.pluginDir().resolve("wpsync.php"), tree.resolve("mu-plugins/wpsync.php"));
    Files.createDirectories(tree.resolve("plugins"));
    Files.writeString(tree.resolve("plugins/index.php"), "<?php // Silence is golden.\n");
    String r1 = cluster.createRelease(Bundles.tar(tree), "theme v1 and the wpsync mu-plugin");
    cluster.awaitCommitted(cluster.startRollout(r1), Duration.ofSeconds(60));
    cluster.awaitCurrent(agents, r1, Duration.ofSeconds(30));

    db = closeLater(MariaDb.start(dir.resolve("mariadb"), mariadbd, installDb, client));
    db.sql("CREATE DATABASE wordpress CHARACTER SET utf8mb4");
    core = copyCore(wordpress, dir.resolve("core"));
    String mode = live ? "live" : "read-only";
    runPhp(agent1, mode, false, e2e.resolve("install.php").toString(), "single");
    runPhp(agent1, mode, true, e2e.resolve("install.php").toString(), "sites");

    String pod1 = startPod("pod-1", agent1, mode);
    String pod2 = startPod("pod-2", agent2, mode);
    List<String> pages = new ArrayList<>();
    for (String pod : List.of(pod1, pod2)) {
      for (String site : SITES) {
        pages.add(pod + site);
      }
    }
    PageLoad probe = new PageLoad(pages, 0);
    for (String page : pages) {
      assertThat(probe.check(page)).as("%s: %s", page, probe.violations()).isNotNull()
          .satisfies(s -> assertThat(s.version()).isEqualTo("v1"));
    }

    // Theme v2 through the admin API, under load.
    Path v2 = dir.resolve("theme-v2");
    theme(v2, "v2");
    String r2 = cluster.installTheme(Bundles.zip(v2, "wpsync-e2e"));
    rolloutUnderLoad(pages, () -> cluster.startRollout(r2), r2, "v2", agents);

    // The mu-plugin's Network Admin page on pod 1, with a real session.
    WpBrowser browser = new WpBrowser();
    browser.login(pod1, "admin", ADMIN_PASSWORD);
    String adminPage = browser.getText(pod1 + "/wp-admin/network/admin.php?page=wpsync", 200);
    assertThat(adminPage).contains("<code class=\"wpsync-current\">" + r2 + "</code>")
        .contains("<code class=\"wpsync-committed\">" + r2 + "</code>")
        .contains("wpsync rollback " + r1 + " --wait")
        .containsPattern("<td>node-2</td><td>SWITCHED</td>");

    if (live) {
      uploadPluginOnPod1ReachesPod2(browser, pod1, pod2, agent2);
    } else {
      System.out.println("SKIPPED plugin upload: this build's agent has no live capture (--capture-token-file, issue 6)");
    }

    // Media: uploaded on pod 1 (site2), read back from pod 2 at its stable URL.
    String media = browser.getText(pod1 + "/site2/wp-admin/media-new.php", 200);
    String mediaNonce = WpBrowser.find(media, "\"multipart_params\":\\{[^}]*\"_wpnonce\":\"([0-9a-f]+)\"", "media upload nonce");
    byte[] gif = HexFormat.of().parseHex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b");
    HttpResponse<byte[]> up = browser.postMultipart(pod1 + "/site2/wp-admin/async-upload.php",
        WpBrowser.fields("name", "pixel.gif", "action", "upload-attachment", "_wpnonce", mediaNonce),
        "async-upload", "pixel.gif", "image/gif", gif);
    JsonNode upload = WpsyncCluster.JSON.readTree(up.body());
    assertThat(upload.path("success").asBoolean()).as("upload: %s", new String(up.body(), StandardCharsets.UTF_8)).isTrue();
    String mediaUrl = upload.path("data").path("url").asText();
    assertThat(mediaUrl).startsWith("http://" + HOST + "/site2/wp-content/uploads/sites/2/").doesNotContain("wpsync-releases");
    String mediaPath = mediaUrl.substring(("http://" + HOST).length());
    assertThat(browser.get(pod2 + mediaPath).body()).isEqualTo(gif);

    // Roll back to release 1, under load.
    rolloutUnderLoad(pages, () -> cluster.rollback(r1), r1, "v1", agents);
    assertThat(agent2.root().resolve("current/plugins/e2e-uploaded")).doesNotExist();
    assertThat(browser.get(pod2 + mediaPath).body()).as("uploads are outside releases").isEqualTo(gif);
    assertThat(browser.get(pod1 + mediaPath).body()).isEqualTo(gif);
  }

  /** Starts a rollout while PageLoad checks every response; waits for every page to show {@code version}. */
  private void rolloutUnderLoad(List<String> pages, Start start, String release, String version,
      List<WpsyncCluster.Agent> agents) throws Exception {
    try (PageLoad load = new PageLoad(pages, 4000).start(4)) {
      Thread.sleep(500);
      String rollout = start.run();
      cluster.awaitCommitted(rollout, Duration.ofSeconds(60));
      cluster.awaitCurrent(agents, release, Duration.ofSeconds(30));
      long switched = System.nanoTime();
      // keep the load on a little past the switch, until every pod has served every site from the new release
      awaitTrue(() -> (load.allServed(version, switched) && System.nanoTime() - switched > 1_500_000_000L)
          || load.exhausted(), Duration.ofSeconds(60));
      load.close();
      System.out.printf("rollout %s to %s: %d responses checked, per version %s, %d violations%n", rollout, release,
          load.requests(), load.perVersion(), load.violations().size());
      assertThat(load.violations()).as("responses that mixed releases or failed").isEmpty();
      assertThat(load.allServed(version, switched)).as("every pod serves %s on every site", version).isTrue();
      assertThat(load.perVersion()).containsKey(version);
    }
  }

  private void uploadPluginOnPod1ReachesPod2(WpBrowser browser, String pod1, String pod2, WpsyncCluster.Agent agent2)
      throws Exception {
    String form = browser.getText(pod1 + "/wp-admin/network/plugin-install.php?tab=upload", 200);
    String nonce = WpBrowser.find(form, "name=\"_wpnonce\" value=\"([0-9a-f]+)\"", "plugin upload nonce");
    Path plugin = Files.createDirectories(dir.resolve("plugin-src"));
    Files.copy(e2e.resolve("plugin/e2e-uploaded.php"), plugin.resolve("e2e-uploaded.php"));
    HttpResponse<byte[]> r = browser.postMultipart(pod1 + "/wp-admin/network/update.php?action=upload-plugin",
        WpBrowser.fields("_wpnonce", nonce, "_wp_http_referer", "/wp-admin/network/plugin-install.php?tab=upload",
            "install-plugin-submit", "Install Now"),
        "pluginzip", "e2e-uploaded.zip", "application/zip", Bundles.zip(plugin, "e2e-uploaded"));
    String page = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(page).as("upload answer").contains("Plugin installed successfully.");

    // pod 1's agent captures the new plugin, the coordinator rolls it out, pod 2's agent switches.
    Path onNode2 = agent2.root().resolve("current/plugins/e2e-uploaded/e2e-uploaded.php");
    awaitTrue(() -> Files.isRegularFile(onNode2), Duration.ofSeconds(90));
    String plugins = browser.getText(pod2 + "/wp-admin/network/plugins.php", 200);
    assertThat(plugins).contains("wpsync E2E uploaded plugin");
    JsonNode status = cluster.get("/api/v1/status");
    System.out.println("plugin uploaded on pod 1 reached pod 2 as release " + status.path("committed").path("releaseId").asText());
  }

  @FunctionalInterface
  private interface Start {
    String run() throws Exception;
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met in " + timeout);
      }
      Thread.sleep(100);
    }
  }

  /** The test theme with its version markers filled in. */
  private void theme(Path to, String version) throws IOException {
    Path from = e2e.resolve("theme");
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.sorted().toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.writeString(t, Files.readString(p).replace("@VERSION@", version));
        }
      }
    }
  }

  /** WordPress core as a pod's image holds it, with the test's wp-config.php (hard links where possible). */
  private Path copyCore(Path wordpress, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(wordpress)) {
      for (Path p : s.sorted().toList()) {
        String rel = wordpress.relativize(p).toString();
        if (rel.equals("wp-config.php") || rel.equals(".htaccess") || rel.startsWith("wp-content")) {
          continue;
        }
        Path t = to.resolve(rel);
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          try {
            Files.createLink(t, p.toRealPath());
          } catch (IOException | UnsupportedOperationException e) {
            Files.copy(p, t);
          }
        }
      }
    }
    Files.copy(e2e.resolve("wp-config.php"), to.resolve("wp-config.php"));
    return to;
  }

  private Map<String, String> env(WpsyncCluster.Agent agent, String mode, boolean multisite) {
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "E2E_DB_HOST", db.host(), "E2E_SALT", "salt", "E2E_HOST", HOST, "E2E_CORE", core.toString(),
        "E2E_WPSYNC_CONFIG", deployDir().resolve("base/wordpress-example/wp-config-wpsync.php").toString(),
        "E2E_ADMIN_PASSWORD", ADMIN_PASSWORD, "E2E_DEBUG_LOG", dir.resolve("logs/wp-debug.log").toString(),
        "WPSYNC_ROOT", agent.root().toString(), "WPSYNC_MODE", mode));
    env.put("WPSYNC_AGENT_URL", agent.httpUrl());
    env.put("WPSYNC_COORDINATOR_URL", cluster.coordinatorUrl());
    env.put("WPSYNC_TOKEN", cluster.captureToken());
    if (multisite) {
      env.put("WPSYNC_MULTISITE_DOMAIN", HOST);
      env.put("WPSYNC_MULTISITE_SUBDOMAINS", "false");
    }
    return env;
  }

  private static Path deployDir() {
    return MuPluginFunctionsIT.pluginDir().getParent().getParent().resolve("deploy");
  }

  private void runPhp(WpsyncCluster.Agent agent, String mode, boolean multisite, String... args) throws Exception {
    // PHP 8.2 deprecation notices of WordPress 6.1 go to the debug log, not the test output
    List<String> cmd = new ArrayList<>(List.of(php.toString(), "-d", "display_errors=0"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(e2e.toFile());
    pb.environment().putAll(env(agent, mode, multisite));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    System.out.print(out);
    assertThat(p.exitValue()).as("php %s: %s", args, out).isZero();
  }

  private void requirePhpModule(String module) throws Exception {
    Process p = new ProcessBuilder(php.toString(), "-m").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    if (!out.lines().anyMatch(module::equals)) {
      Tools.requireFile(Path.of("/nonexistent/php-" + module), "php's " + module + " module (php-mysql)");
    }
  }

  /** A pod: PHP's built-in server with 4 workers on this agent's tree; returns its base URL. */
  private String startPod(String name, WpsyncCluster.Agent agent, String mode) throws Exception {
    int port = WpsyncCluster.freePort();
    List<String> cmd = List.of(php.toString(), "-S", "127.0.0.1:" + port, "-t", core.toString(),
        e2e.resolve("router.php").toString());
    Path log = dir.resolve("logs/" + name + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env(agent, mode, true));
    pb.environment().put("PHP_CLI_SERVER_WORKERS", "4");
    Process p = pb.start();
    closeLater((AutoCloseable) () -> {
      List<ProcessHandle> tree = p.descendants().toList();
      p.destroy();
      tree.forEach(ProcessHandle::destroy);
      p.waitFor(10, TimeUnit.SECONDS);
      tree.forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
    String base = "http://127.0.0.1:" + port;
    WpBrowser b = new WpBrowser();
    for (int i = 0; i < 100; i++) {
      try {
        b.get(base + "/wp-login.php");
        return base;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError(name + " did not start: " + Files.readString(log));
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }
}
