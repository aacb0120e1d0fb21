package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the agent's init script {@code prepare-host-dirs} as the manifest runs it: uid 0 with only the
 * capabilities the container adds (setpriv drops the rest), against a temporary stand-in for the
 * node's /var/lib/wpsync, twice (a pod restart), then checks that the agent's user can write its
 * --root and --data. Needs root and setpriv (util-linux), as CI has; skipped otherwise.
 */
class PrepareHostDirsTest {
  @TempDir
  Path tmp;

  @Test
  void theInitScriptWorksOnEveryRestartAndLeavesTheAgentsDirectoriesWritable() throws Exception {
    String setpriv = DeployFilesTest.onPath("setpriv");
    boolean root = "root".equals(System.getProperty("user.name"));
    Assumptions.assumeTrue(root && setpriv != null, "needs root and setpriv to run the init script with its capabilities");

    DaemonSet ds = Rendered.of("base/agent").set().find("DaemonSet", "wpsync", "wpsync-agent").orElseThrow()
        .as(DaemonSet.class);
    var spec = ds.getSpec().getTemplate().getSpec();
    Container init = spec.getInitContainers().stream().filter(c -> c.getName().equals("prepare-host-dirs"))
        .findFirst().orElseThrow();
    Container agent = spec.getContainers().stream().filter(c -> c.getName().equals("agent")).findFirst().orElseThrow();
    String hostMount = init.getVolumeMounts().get(0).getMountPath();
    assertThat(hostMount).isEqualTo("/var/lib/wpsync");

    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path host = Files.createDirectory(tmp.resolve("host"));
    List<String> command = init.getCommand().stream().map(a -> a.replace(hostMount, host.toString())).toList();
    String caps = "-all" + init.getSecurityContext().getCapabilities().getAdd().stream()
        .map(c -> ",+" + c.toLowerCase(Locale.ROOT)).reduce("", String::concat);
    for (int run = 1; run <= 2; run++) {
      List<String> cmd = new ArrayList<>(List.of(setpriv, "--bounding-set", caps, "--inh-caps", "-all"));
      cmd.addAll(command);
      assertThat(exec(cmd)).as("prepare-host-dirs, run %d", run).startsWith("0 ");
    }

    long uid = spec.getSecurityContext().getRunAsUser();
    long gid = spec.getSecurityContext().getRunAsGroup();
    for (String flag : List.of("--root", "--data")) {
      String dirInPod = DaemonFlags.of(agent).get(flag);
      Path onHost = Path.of(dirInPod.replace(hostMount, host.toString()));
      String out = exec(List.of(setpriv, "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
          "sh", "-c", "mkdir -p \"$1/probe\" && echo ok > \"$1/probe/file\"", "sh", onHost.toString()));
      assertThat(out).as("uid %d writes into %s (%s)", uid, flag, onHost).startsWith("0 ");
    }
  }

  private static String exec(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() + " " + out;
  }
}
