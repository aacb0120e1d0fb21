package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kustomization under deploy/, rendered by {@code kubectl kustomize} and parsed into the
 * fabric8 model: no unknown kinds or fields, no wrong types, and every container sized, probed and
 * unprivileged, with only the flags the real jar accepts.
 */
class DeployManifestsTest {
  /**
   * Containers allowed to run as root, each with the reason. Nothing else may: the check demands
   * an explicit non-zero runAsUser and runAsNonRoot on every container.
   */
  static final Map<String, String> ROOT_ALLOWED = Map.of(
      "DaemonSet/wpsync-agent/prepare-host-dirs",
      "chowns the two hostPath directories the kubelet creates as root; init container with CHOWN only");

  /** Added capabilities allowed per container (everything else drops ALL and adds nothing). */
  static final Map<String, Set<String>> CAPABILITIES_ALLOWED = Map.of(
      "DaemonSet/wpsync-agent/prepare-host-dirs", Set.of("CHOWN"));

  static List<String> kustomizations() throws IOException {
    return Kustomize.kustomizations();
  }

  @Test
  void findsEveryOverlayAndBase() throws IOException {
    assertThat(Kustomize.kustomizations()).contains("overlays/production", "overlays/existing-zookeeper",
        "overlays/sidecar", "overlays/live-mode", "base/agent", "base/coordinator", "base/zookeeper",
        "base/wordpress-example", "monitoring");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizations")
  void rendersIntoKnownModelTypesWithoutUnknownFieldsOrWrongTypes(String dir) {
    Rendered.Result r = Rendered.of(dir);
    assertThat(r.problems()).as("problems in %s", dir).isEmpty();
    assertThat(r.set().all()).as("objects rendered from %s", dir).isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizations")
  void everyContainerIsSizedProbedAndUnprivileged(String dir) {
    List<String> problems = new ArrayList<>();
    for (ManifestSet.Pod pod : Rendered.of(dir).set().pods()) {
      checkPod(pod, problems);
    }
    assertThat(problems).as("container problems in %s", dir).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kustomizations")
  void daemonArgsUseOnlyFlagsTheRealJarAccepts(String dir) {
    List<String> problems = new ArrayList<>();
    ManifestSet set = Rendered.of(dir).set();
    for (ManifestSet.Pod pod : set.pods()) {
      pod.allContainers().filter(DeployManifestsTest::isDaemon).forEach(c -> checkFlags(pod, c, problems));
    }
    assertThat(problems).as("daemon flag problems in %s", dir).isEmpty();
  }

  @Test
  void theDeployableSetsContainBothDaemons() {
    for (String spec : Rendered.DEPLOYABLE) {
      ManifestSet set = Rendered.of(spec).set();
      assertThat(set.pods().stream().flatMap(ManifestSet.Pod::allContainers).filter(DeployManifestsTest::isDaemon)
          .map(c -> c.getArgs().get(0)).distinct())
          .as("daemons in %s", spec).containsExactlyInAnyOrder("agent", "coordinator");
    }
  }

  /** A container that runs {@code wpsync agent|coordinator} through the image's ENTRYPOINT. */
  static boolean isDaemon(Container c) {
    return imageName(c).endsWith("wpsync") && (c.getCommand() == null || c.getCommand().isEmpty())
        && c.getArgs() != null && !c.getArgs().isEmpty()
        && Set.of("agent", "coordinator").contains(c.getArgs().get(0));
  }

  static String imageName(Container c) {
    String image = Objects.requireNonNullElse(c.getImage(), "");
    int at = image.indexOf('@');
    if (at >= 0) {
      image = image.substring(0, at);
    }
    int colon = image.lastIndexOf(':');
    return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
  }

  static String key(ManifestSet.Pod pod, Container c) {
    return pod.owner().kind() + "/" + pod.owner().name() + "/" + c.getName();
  }

  /** The per-pod checks, for {@link CheckerSelfTest}. */
  static void checkPodForTest(ManifestSet.Pod pod, List<String> problems) {
    checkPod(pod, problems);
  }

  private static void checkPod(ManifestSet.Pod pod, List<String> problems) {
    PodSecurityContext psc = Objects.requireNonNullElse(pod.spec().getSecurityContext(), new PodSecurityContext());
    pod.allContainers().forEach(c -> {
      String where = pod.ref(c);
      checkResources(where, c, problems);
      checkSecurity(pod, c, psc, problems);
      if (c.getImage() == null || c.getImage().isBlank()) {
        problems.add(where + ": no image");
      } else if (!c.getImage().contains(":") && !c.getImage().equals("wpsync")) {
        problems.add(where + ": image " + c.getImage() + " has no tag (would pull :latest)");
      }
      for (Probe p : probes(c)) {
        checkProbePort(pod, c, p, problems);
      }
    });
    pod.longRunning().forEach(c -> {
      if (c.getLivenessProbe() == null) {
        problems.add(pod.ref(c) + ": no livenessProbe");
      }
      boolean serves = c.getPorts() != null && !c.getPorts().isEmpty();
      if (serves && c.getReadinessProbe() == null) {
        problems.add(pod.ref(c) + ": exposes ports but has no readinessProbe");
      }
    });
    pod.allContainers().filter(DeployManifestsTest::isDaemon).forEach(c -> {
      if (c.getLivenessProbe() != null && !"/healthz".equals(httpPath(c.getLivenessProbe()))) {
        problems.add(pod.ref(c) + ": liveness must be GET /healthz, got " + httpPath(c.getLivenessProbe()));
      }
      if (c.getReadinessProbe() != null && !"/readyz".equals(httpPath(c.getReadinessProbe()))) {
        problems.add(pod.ref(c) + ": readiness must be GET /readyz, got " + httpPath(c.getReadinessProbe()));
      }
    });
    if (pod.spec().getHostNetwork() != null && pod.spec().getHostNetwork()) {
      problems.add(pod.owner().ref() + ": hostNetwork (NetworkPolicies would not apply)");
    }
    if (Boolean.TRUE.equals(pod.spec().getHostPID()) || Boolean.TRUE.equals(pod.spec().getHostIPC())) {
      problems.add(pod.owner().ref() + ": hostPID/hostIPC");
    }
  }

  static List<Probe> probes(Container c) {
    return Stream.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe()).filter(Objects::nonNull).toList();
  }

  static String httpPath(Probe p) {
    return p.getHttpGet() == null ? null : p.getHttpGet().getPath();
  }

  private static void checkResources(String where, Container c, List<String> problems) {
    var r = c.getResources();
    Map<String, Quantity> req = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
    Map<String, Quantity> lim = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
    for (String need : List.of("cpu", "memory")) {
      if (!req.containsKey(need)) {
        problems.add(where + ": no resources.requests." + need);
      }
    }
    // CPU limits are optional on purpose (throttling a JVM or ZooKeeper causes pauses and session
    // expiry); a memory limit is not: it bounds the node's memory and sets the JVM heap.
    if (!lim.containsKey("memory")) {
      problems.add(where + ": no resources.limits.memory");
    }
    for (String res : List.of("cpu", "memory")) {
      if (req.containsKey(res) && lim.containsKey(res)
          && Quantity.getAmountInBytes(req.get(res)).compareTo(Quantity.getAmountInBytes(lim.get(res))) > 0) {
        problems.add(where + ": requests." + res + " " + req.get(res) + " exceeds limits." + res + " " + lim.get(res));
      }
    }
  }

  private static void checkSecurity(ManifestSet.Pod pod, Container c, PodSecurityContext psc, List<String> problems) {
    String where = pod.ref(c);
    String key = key(pod, c);
    SecurityContext sc = Objects.requireNonNullElse(c.getSecurityContext(), new SecurityContext());
    Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
    Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc.getRunAsNonRoot();
    if (ROOT_ALLOWED.containsKey(key)) {
      if (isNativeSidecar(c) || pod.spec().getContainers().contains(c)) {
        problems.add(where + ": may run as root only as a one-shot init container");
      }
    } else {
      if (uid == null || uid == 0) {
        problems.add(where + ": may run as root (runAsUser " + uid + "; set a non-zero runAsUser)");
      }
      if (!Boolean.TRUE.equals(nonRoot)) {
        problems.add(where + ": runAsNonRoot is not true");
      }
    }
    if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
      problems.add(where + ": allowPrivilegeEscalation is not false");
    }
    if (Boolean.TRUE.equals(sc.getPrivileged())) {
      problems.add(where + ": privileged");
    }
    if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
      problems.add(where + ": readOnlyRootFilesystem is not true");
    }
    Capabilities caps = sc.getCapabilities();
    if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
      problems.add(where + ": capabilities.drop does not contain ALL");
    }
    List<String> added = caps == null || caps.getAdd() == null ? List.of() : caps.getAdd();
    Set<String> allowed = CAPABILITIES_ALLOWED.getOrDefault(key, Set.of());
    for (String cap : added) {
      if (!allowed.contains(cap)) {
        problems.add(where + ": adds capability " + cap);
      }
    }
    String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
        : psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
    if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
      problems.add(where + ": seccompProfile is " + seccomp + ", not RuntimeDefault");
    }
  }

  private static boolean isNativeSidecar(Container c) {
    return ManifestSet.isNativeSidecar(c);
  }

  /** A probe's port must be one of the pod's container ports (by name: of the probing container). */
  private static void checkProbePort(ManifestSet.Pod pod, Container c, Probe p, List<String> problems) {
    IntOrString port = p.getHttpGet() != null ? p.getHttpGet().getPort()
        : p.getTcpSocket() != null ? p.getTcpSocket().getPort() : null;
    if (port == null) {
      if (p.getExec() == null && p.getGrpc() == null) {
        problems.add(pod.ref(c) + ": a probe without httpGet, tcpSocket, exec or grpc");
      }
      return;
    }
    List<ContainerPort> own = c.getPorts() == null ? List.of() : c.getPorts();
    if (port.getStrVal() != null) {
      if (own.stream().noneMatch(cp -> port.getStrVal().equals(cp.getName()))) {
        problems.add(pod.ref(c) + ": probe port '" + port.getStrVal() + "' is not a port name of this container"
            + " (the kubelet resolves names only there)");
      }
    } else if (pod.ports().noneMatch(cp -> cp.getContainerPort().equals(port.getIntVal()))) {
      problems.add(pod.ref(c) + ": probe port " + port.getIntVal() + " is no container port of the pod");
    }
  }

  private static void checkFlags(ManifestSet.Pod pod, Container c, List<String> problems) {
    String command = c.getArgs().get(0);
    Set<String> accepted = DaemonHelp.options(command);
    Map<String, String> flags = DaemonFlags.of(c);
    for (String arg : c.getArgs().subList(1, c.getArgs().size())) {
      if (!arg.startsWith("--")) {
        continue;
      }
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (!accepted.contains(name)) {
        problems.add(pod.ref(c) + ": wpsync " + command + " does not accept " + name + " (accepts " + accepted + ")");
      }
    }
    List<String> required = command.equals("agent")
        ? List.of("--id", "--network", "--data", "--root", "--http", "--p2p", "--zk", "--secret-file", "--token-file")
        : List.of("--id", "--network", "--data", "--http", "--p2p", "--zk", "--secret-file", "--token-file");
    for (String r : required) {
      if (!flags.containsKey(r)) {
        problems.add(pod.ref(c) + ": wpsync " + command + " needs " + r + " in a cluster");
      }
    }
    if (flags.containsKey("--embedded-zk")) {
      problems.add(pod.ref(c) + ": --embedded-zk is for one machine, not a cluster");
    }
  }

  static List<Volume> volumes(ManifestSet.Pod pod) {
    return pod.spec().getVolumes() == null ? List.of() : pod.spec().getVolumes();
  }
}
