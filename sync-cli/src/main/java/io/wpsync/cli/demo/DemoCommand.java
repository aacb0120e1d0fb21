package io.wpsync.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.wpsync.cli.admin.AdminClient;
import io.wpsync.cli.admin.AdminException;
import io.wpsync.cli.admin.RolloutWatcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wpsync demo}: a real cluster on this machine (embedded ZooKeeper, a coordinator and three
 * agents as separate processes), a release of a sample theme, a rollout, a change rolled out, a
 * rollback, each step explained and checked on every agent's disk; then everything stops.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a local wpsync cluster (real processes) through release, rollout, change and rollback.")
public final class DemoCommand implements Callable<Integer> {
  private static final String STYLE = "themes/wpsync-demo/style.css";
  private static final Pattern VERSION = Pattern.compile("Version: (\\S+)");

  @Option(names = "--dir", defaultValue = "demo-data", description = "Working directory, wiped first (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--agents", defaultValue = "3", description = "Number of agent processes (default ${DEFAULT-VALUE}).")
  int agentCount;

  @Spec CommandSpec spec;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    if (agentCount < 1 || agentCount > 20) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--agents must be within 1..20");
    }
    dir = dir.toAbsolutePath();
    wipe(dir);
    Path jar = ownJar();
    say("wpsync demo: working in %s (logs in %s)", dir, dir.resolve("logs"));
    try (DemoCluster cluster = new DemoCluster(dir, jar)) {
      Thread hook = new Thread(cluster::close, "demo-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        run(cluster);
      } finally {
        say("");
        say("Stopping the agents, the coordinator and ZooKeeper ...");
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    } catch (DemoFailure | AdminException | IOException e) {
      spec.commandLine().getErr().println("wpsync demo failed: " + e.getMessage());
      spec.commandLine().getErr().println("(logs of every process are in " + dir.resolve("logs") + ")");
      return 1;
    }
    say("Done. Everything is stopped; the directories are left in %s for you to look at.", dir);
    return 0;
  }

  private void run(DemoCluster cluster) throws Exception {
    step(1, "Starting ZooKeeper (embedded) and a coordinator, as a separate process ...");
    cluster.startCoordinator();
    say("   coordinator ready at %s", cluster.coordinatorUrl());

    step(2, "Starting %d agents, each a separate process with its own disk and ports ...", agentCount);
    for (int i = 1; i <= agentCount; i++) {
      var a = cluster.startAgent("agent-" + i);
      say("   %s: WordPress would mount %s", a.id(), a.root());
    }
    AdminClient api = new AdminClient(cluster.coordinatorUrl(), cluster.token());

    Path source = dir.resolve("source/wp-content");
    copySample(source);
    step(3, "Creating release 1 from a sample wp-content (a theme, a plugin, a mu-plugin) ...");
    String r1 = createRelease(api, source, "sample theme 1.0");

    step(4, "Rolling release %s out: every agent fetches and verifies it, then all switch together ...", r1);
    rollout(api, api.startRollout(r1, 60), r1, "1.0", cluster);

    step(5, "Changing the theme (style.css and functions.php to version 1.1) and creating release 2 ...");
    bumpVersion(source.resolve(STYLE), "1.1");
    Path functions = source.resolve("themes/wpsync-demo/functions.php");
    Files.writeString(functions, Files.readString(functions).replace("'1.0'", "'1.1'"));
    String r2 = createRelease(api, source, "theme 1.1");

    step(6, "Rolling release %s out (only the two changed files travel) ...", r2);
    rollout(api, api.startRollout(r2, 60), r2, "1.1", cluster);

    step(7, "Rolling back to release %s (its files are still on every agent) ...", r1);
    rollout(api, api.rollback(r1), r1, "1.0", cluster);

    step(8, "What the coordinator knows about the agents:");
    for (JsonNode a : api.agents().isArray() ? api.agents() : api.agents().path("agents")) {
      say("   %-10s current=%s ready=%s", a.path("id").asText(), a.path("currentRelease").asText("-"),
          a.path("ready").asText());
    }
  }

  private String createRelease(AdminClient api, Path source, String message) throws Exception {
    JsonNode r = api.createRelease(source, message, "demo", p -> true);
    String id = r.path("id").asText();
    say("   release %s: %s files, %s bytes, manifest %s", id, r.path("fileCount").asText(),
        r.path("totalBytes").asText(), r.path("manifestId").asText());
    return id;
  }

  private void rollout(AdminClient api, JsonNode started, String release, String expectVersion, DemoCluster cluster)
      throws Exception {
    String id = started.path("id").asText();
    long t0 = System.nanoTime();
    JsonNode done = new RolloutWatcher(api, out, Duration.ofMillis(100)).await(id, Duration.ofMinutes(3), Duration.ofSeconds(30));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (!done.path("state").asText().equals("COMMITTED")) {
      throw new DemoFailure("rollout " + id + " ended " + done.path("state").asText() + ": " + done.path("reason").asText());
    }
    say("   rollout %s committed in about %d ms%s", id, ms,
        done.has("switchSkewMillis") ? "; switch skew " + done.path("switchSkewMillis").asText() + " ms" : "");
    List<String> wrong = new ArrayList<>();
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (DemoCluster.AgentNode a : cluster.agents()) {
      String seen = "";
      while (System.nanoTime() < end) {
        seen = currentVersion(a);
        if (seen.equals(expectVersion) && currentRelease(a).equals(release)) {
          break;
        }
        Thread.sleep(50);
      }
      say("   %s: current -> releases/%s, theme version %s", a.id(), currentRelease(a), seen);
      if (!seen.equals(expectVersion)) {
        wrong.add(a.id() + " shows " + seen);
      }
    }
    if (!wrong.isEmpty()) {
      throw new DemoFailure("expected theme version " + expectVersion + " everywhere, but " + String.join(", ", wrong));
    }
  }

  private static String currentRelease(DemoCluster.AgentNode a) {
    try {
      return Files.readSymbolicLink(a.current()).getFileName().toString();
    } catch (IOException e) {
      return "(none)";
    }
  }

  private static String currentVersion(DemoCluster.AgentNode a) {
    try {
      Matcher m = VERSION.matcher(Files.readString(a.current().resolve(STYLE)));
      return m.find() ? m.group(1) : "?";
    } catch (IOException e) {
      return "(missing)";
    }
  }

  private static void bumpVersion(Path style, String version) throws IOException {
    Files.writeString(style, VERSION.matcher(Files.readString(style)).replaceFirst("Version: " + version));
  }

  private static void copySample(Path target) throws IOException {
    List<String> files;
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/index.txt")) {
      if (in == null) {
        throw new IOException("the demo's sample wp-content is missing from the jar");
      }
      files = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }
    for (String f : files) {
      Path dest = target.getParent().resolve(f);
      Files.createDirectories(dest.getParent());
      try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/" + f)) {
        Files.copy(in, dest);
      }
    }
  }

  /** Deletes a previous demo's directory, including read-only release trees. */
  private static void wipe(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(dir)) { // parents come first: make every directory writable
      for (Path p : walk.toList()) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
      }
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static Path ownJar() throws URISyntaxException, DemoFailure {
    Path p = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (!Files.isRegularFile(p) || !p.toString().endsWith(".jar")) {
      throw new DemoFailure("the demo starts daemons from the wpsync jar; run it as ./wpsync demo (found " + p + ")");
    }
    return p;
  }

  private void step(int n, String fmt, Object... args) {
    say("");
    say(n + ". " + fmt, args);
  }

  private void say(String fmt, Object... args) {
    out.println(args.length == 0 ? fmt : String.format(fmt, args));
    out.flush();
  }

  /** A check of the demo that did not hold. */
  static final class DemoFailure extends Exception {
    DemoFailure(String message) {
      super(message);
    }
  }
}
