package io.wpsync.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wpsync.agent.rollout.ZkLossPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AgentCommandTest {
  private static final String[] REQUIRED = {
      "--id", "web-1", "--data", "/var/lib/wpsync", "--root", "/srv/wp", "--zk", "zk-0:2181,zk-1:2181",
      "--secret-file", "/etc/wpsync/secret"};

  private static AgentConfig parse(String... extra) {
    AgentCommand cmd = new AgentCommand();
    CommandLine cl = new CommandLine(cmd);
    String[] args = new String[REQUIRED.length + extra.length];
    System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
    System.arraycopy(extra, 0, args, REQUIRED.length, extra.length);
    cl.parseArgs(args);
    return cmd.toConfig();
  }

  private static String errorOf(String... args) {
    CommandLine cl = new CommandLine(new AgentCommand());
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    int code = cl.execute(args);
    assertThat(code).isEqualTo(2);
    return err.toString();
  }

  @Test
  void defaultsMatchTheDesign() {
    AgentConfig c = parse();
    assertThat(c.id()).isEqualTo("web-1");
    assertThat(c.network()).isEqualTo("default");
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/wpsync"));
    assertThat(c.rootDir()).isEqualTo(Path.of("/srv/wp"));
    assertThat(c.zkConnect()).isEqualTo("zk-0:2181,zk-1:2181");
    assertThat(c.http()).isEqualTo(new HostPort("0.0.0.0", 8081));
    assertThat(c.p2p()).isEqualTo(new HostPort("0.0.0.0", 7070));
    assertThat(c.mode()).isEqualTo(AgentMode.READ_ONLY);
    assertThat(c.keep()).isEqualTo(5);
    assertThat(c.behindGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.previousGrace()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.zkLossPolicy()).isEqualTo(ZkLossPolicy.SERVE);
    assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.links()).isEmpty();
    assertThat(c.tokenFile()).isNull();
  }

  @Test
  void parsesEveryFlag() {
    AgentConfig c = parse("--network", "blog", "--http", "127.0.0.1:9000", "--p2p", "[::1]:7000", "--token-file",
        "/etc/t", "--mode", "live", "--link", "uploads=/mnt/uploads", "--link", "cache/x=/mnt/x", "--zone", "eu-1a",
        "--keep", "3", "--behind-grace", "500ms", "--zk-loss-policy", "strict", "--session-timeout", "PT4S",
        "--previous-grace", "2m");
    assertThat(c.network()).isEqualTo("blog");
    assertThat(c.http()).isEqualTo(new HostPort("127.0.0.1", 9000));
    assertThat(c.p2p()).isEqualTo(new HostPort("::1", 7000));
    assertThat(c.tokenFile()).isEqualTo(Path.of("/etc/t"));
    assertThat(c.mode()).isEqualTo(AgentMode.LIVE);
    assertThat(c.links()).containsExactly(new LinkSpec("uploads", Path.of("/mnt/uploads")),
        new LinkSpec("cache/x", Path.of("/mnt/x")));
    assertThat(c.zone()).isEqualTo("eu-1a");
    assertThat(c.keep()).isEqualTo(3);
    assertThat(c.behindGrace()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.previousGrace()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.zkLossPolicy()).isEqualTo(ZkLossPolicy.STRICT);
    assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void badValuesGetClearErrors() {
    assertThat(errorOf(append("--http", "localhost"))).contains("--http").contains("expected HOST:PORT such as 127.0.0.1:7070");
    assertThat(errorOf(append("--p2p", "h:99999"))).contains("outside 0..65535");
    assertThat(errorOf(append("--p2p", "::1:70"))).contains("IPv6 host in brackets");
    assertThat(errorOf(append("--link", "uploads"))).contains("expected NAME=PATH such as uploads=/mnt/uploads");
    assertThat(errorOf(append("--link", "uploads=relative/dir"))).contains("absolute path");
    assertThat(errorOf(append("--link", "../up=/mnt"))).contains("link name '../up'");
    assertThat(errorOf(append("--mode", "rw"))).contains("mode must be read-only or live");
    assertThat(errorOf(append("--behind-grace", "soon"))).contains("expected a duration such as 500ms");
    assertThat(errorOf(append("--zk-loss-policy", "maybe"))).contains("serve or strict");
    assertThat(errorOf(append("--keep", "0"))).contains("--keep must be at least 1");
    assertThat(errorOf("--id", "bad id", "--data", "/d", "--root", "/r", "--zk", "z:1", "--secret-file", "/s"))
        .contains("agent id 'bad id'");
    assertThat(errorOf(append("--link", "a=/x", "--link", "a=/y"))).contains("given twice");
  }

  @Test
  void missingRequiredFlagsAreNamed() {
    assertThat(errorOf("--id", "a", "--root", "/r", "--zk", "z:1", "--secret-file", "/s")).contains("missing --data DIR");
    assertThat(errorOf("--id", "a", "--data", "/d", "--root", "/r", "--secret-file", "/s")).contains("missing --zk CONNECT");
    assertThat(errorOf("--id", "a", "--data", "/d", "--root", "/r", "--zk", "z:1")).contains("missing --secret-file");
    assertThat(errorOf("--id", "a", "--data", "/d", "--root", "/d", "--zk", "z:1", "--secret-file", "/s"))
        .contains("--data and --root must be different");
  }

  @Test
  void helpDocumentsEveryFlagAndItsEnvironmentVariable() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new AgentCommand());
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("--help")).isZero();
    String help = out.toString();
    for (String flag : List.of("--id", "--network", "--data", "--root", "--http", "--p2p", "--zk", "--secret-file",
        "--token-file", "--mode", "--link", "--zone", "--keep", "--behind-grace", "--previous-grace", "--zk-loss-policy",
        "--session-timeout")) {
      assertThat(help).contains(flag);
      String env = "WPSYNC_" + flag.substring(2).toUpperCase().replace('-', '_');
      assertThat(help).as("env var of %s", flag).contains(env);
    }
  }

  @Test
  void hostPortAndDurationParsers() {
    assertThat(HostPort.parse("0.0.0.0:0").isWildcard()).isTrue();
    assertThat(HostPort.parse("[::1]:80").toString()).isEqualTo("[::1]:80");
    assertThatThrownBy(() -> HostPort.parse(":80")).hasMessageContaining("expected HOST:PORT");
    assertThat(DurationText.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(DurationText.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(DurationText.format(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThatThrownBy(() -> DurationText.parse("-PT1S")).hasMessageContaining("expected a duration");
  }

  private static String[] append(String... extra) {
    String[] args = new String[REQUIRED.length + extra.length];
    System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
    System.arraycopy(extra, 0, args, REQUIRED.length, extra.length);
    return args;
  }
}
