package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * What must agree between objects of a set that is applied together: references resolve, ports agree
 * between daemon flags, containers, probes, Services, NetworkPolicies and monitors, peer and
 * ZooKeeper ports are open only to the daemons, and WordPress mounts the agent's tree whole, at the
 * agent's --root, in the agent's mode.
 */
class DeployConsistencyTest {
  /** Secrets the operator creates (docs/install-kubernetes.md); everything else must be rendered. */
  static final Set<String> OPERATOR_SECRETS = Set.of("wpsync-cluster-secret", "wpsync-tokens", "wordpress-db",
      "wordpress-salts", "wpsync-capture-token");

  static final List<String> DEPLOYABLE = Rendered.DEPLOYABLE;

  @ParameterizedTest(name = "{0}")
  @FieldSource("DEPLOYABLE")
  void referencesResolve(String spec) {
    ManifestSet set = Rendered.of(spec).set();
    List<String> problems = new ArrayList<>();
    for (ManifestSet.Pod pod : set.pods()) {
      String ns = pod.namespace();
      pod.allContainers().forEach(c -> {
        Stream.concat(Stream.ofNullable(c.getCommand()).flatMap(List::stream),
            Stream.ofNullable(c.getArgs()).flatMap(List::stream)).forEach(a -> set.expand(pod, c, a, problems));
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
          if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
            set.envValue(pod, c, e.getName(), problems);
          }
          if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
            secret(problems, pod.ref(c), e.getValueFrom().getSecretKeyRef().getName());
          }
        }
        Stream.ofNullable(c.getEnvFrom()).flatMap(List::stream).forEach(ef -> {
          if (ef.getSecretRef() != null) {
            secret(problems, pod.ref(c), ef.getSecretRef().getName());
          }
          if (ef.getConfigMapRef() != null && set.find("ConfigMap", ns, ef.getConfigMapRef().getName()).isEmpty()) {
            problems.add(pod.ref(c) + ": envFrom ConfigMap " + ef.getConfigMapRef().getName() + " is not rendered");
          }
        });
        Set<String> volumeNames = new java.util.HashSet<>();
        DeployManifestsTest.volumes(pod).forEach(v -> volumeNames.add(v.getName()));
        if (pod.owner().typed() instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet sts
            && sts.getSpec().getVolumeClaimTemplates() != null) {
          sts.getSpec().getVolumeClaimTemplates().forEach(t -> volumeNames.add(t.getMetadata().getName()));
        }
        for (VolumeMount m : Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
          if (!volumeNames.contains(m.getName())) {
            problems.add(pod.ref(c) + ": mounts volume " + m.getName() + ", which the pod does not define");
          }
        }
      });
      for (Volume v : DeployManifestsTest.volumes(pod)) {
        if (v.getConfigMap() != null && set.find("ConfigMap", ns, v.getConfigMap().getName()).isEmpty()) {
          problems.add(pod.owner().ref() + ": volume " + v.getName() + " uses ConfigMap "
              + v.getConfigMap().getName() + ", which is not rendered");
        }
        if (v.getSecret() != null) {
          secret(problems, pod.owner().ref(), v.getSecret().getSecretName());
        }
        if (v.getPersistentVolumeClaim() != null
            && set.find("PersistentVolumeClaim", ns, v.getPersistentVolumeClaim().getClaimName()).isEmpty()) {
          problems.add(pod.owner().ref() + ": PVC " + v.getPersistentVolumeClaim().getClaimName() + " is not rendered");
        }
        if (v.getProjected() != null) {
          v.getProjected().getSources().stream().filter(s -> s.getConfigMap() != null)
              .map(s -> s.getConfigMap().getName())
              .filter(n -> !n.equals("kube-root-ca.crt") && set.find("ConfigMap", ns, n).isEmpty())
              .forEach(n -> problems.add(pod.owner().ref() + ": projected ConfigMap " + n + " is not rendered"));
        }
      }
      String sa = pod.spec().getServiceAccountName();
      if (sa != null && !sa.equals("default") && set.find("ServiceAccount", ns, sa).isEmpty()) {
        problems.add(pod.owner().ref() + ": ServiceAccount " + sa + " is not rendered");
      }
      String pc = pod.spec().getPriorityClassName();
      if (pc != null && set.find("PriorityClass", "", pc).isEmpty()) {
        problems.add(pod.owner().ref() + ": PriorityClass " + pc + " is not rendered");
      }
    }
    for (K8sObject o : set.ofKind("ClusterRoleBinding")) {
      var b = o.as(io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class);
      if (set.find("ClusterRole", "", b.getRoleRef().getName()).isEmpty()) {
        problems.add(o.ref() + ": ClusterRole " + b.getRoleRef().getName() + " is not rendered");
      }
      b.getSubjects().stream().filter(s -> s.getKind().equals("ServiceAccount"))
          .filter(s -> set.find("ServiceAccount", s.getNamespace(), s.getName()).isEmpty())
          .forEach(s -> problems.add(o.ref() + ": subject ServiceAccount " + s.getNamespace() + "/" + s.getName()
              + " is not rendered"));
    }
    assertThat(problems).as("unresolved references in %s", spec).isEmpty();
  }

  private static void secret(List<String> problems, String where, String name) {
    if (!OPERATOR_SECRETS.contains(name)) {
      problems.add(where + ": Secret " + name + " is neither rendered nor one the operator creates " + OPERATOR_SECRETS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("DEPLOYABLE")
  void portsAgreeBetweenFlagsContainersServicesPoliciesAndMonitors(String spec) {
    ManifestSet set = Rendered.of(spec).set();
    List<String> problems = new ArrayList<>();
    // daemon --http/--p2p <-> container ports
    for (ManifestSet.Pod pod : set.pods()) {
      pod.allContainers().filter(DeployManifestsTest::isDaemon).forEach(c -> {
        Map<String, String> flags = DaemonFlags.of(c);
        for (String flag : List.of("--http", "--p2p")) {
          String value = set.expand(pod, c, flags.getOrDefault(flag, ""), problems);
          Matcher m = Pattern.compile("^(.*):(\\d+)$").matcher(value);
          if (!m.matches()) {
            problems.add(pod.ref(c) + ": " + flag + " '" + value + "' is not HOST:PORT");
            continue;
          }
          if (!m.group(1).equals("0.0.0.0")) {
            problems.add(pod.ref(c) + ": " + flag + " binds " + m.group(1) + "; probes and peers need 0.0.0.0");
          }
          int port = Integer.parseInt(m.group(2));
          String suffix = flag.substring(2);
          boolean declared = Stream.ofNullable(c.getPorts()).flatMap(List::stream)
              .anyMatch(p -> p.getContainerPort() == port && p.getName() != null && p.getName().endsWith(suffix));
          if (!declared) {
            problems.add(pod.ref(c) + ": " + flag + " port " + port + " is not declared as a container port named *"
                + suffix);
          }
        }
      });
    }
    // Services -> pods
    for (K8sObject o : set.ofKind("Service")) {
      Service s = o.as(Service.class);
      if (s.getSpec().getSelector() == null) {
        continue;
      }
      List<ManifestSet.Pod> pods = set.select(o.namespace(), s.getSpec().getSelector());
      if (pods.isEmpty()) {
        problems.add(o.ref() + ": selects no pod");
      }
      for (ServicePort sp : s.getSpec().getPorts()) {
        for (ManifestSet.Pod pod : pods) {
          if (!hasPort(pod, Objects.requireNonNullElse(sp.getTargetPort(), new IntOrString(sp.getPort())))) {
            problems.add(o.ref() + ": port " + sp.getName() + " targets " + sp.getTargetPort()
                + ", which " + pod.owner().ref() + " does not expose");
          }
        }
      }
    }
    // NetworkPolicies -> pods
    for (K8sObject o : set.ofKind("NetworkPolicy")) {
      NetworkPolicy np = o.as(NetworkPolicy.class);
      List<ManifestSet.Pod> selected = set.select(o.namespace(), np.getSpec().getPodSelector());
      if (selected.isEmpty()) {
        problems.add(o.ref() + ": selects no pod");
      }
      for (NetworkPolicyIngressRule rule : Objects.requireNonNullElse(np.getSpec().getIngress(),
          List.<NetworkPolicyIngressRule>of())) {
        for (NetworkPolicyPort p : Objects.requireNonNullElse(rule.getPorts(), List.<NetworkPolicyPort>of())) {
          for (ManifestSet.Pod pod : selected) {
            if (!hasPort(pod, p.getPort())) {
              problems.add(o.ref() + ": allows port " + p.getPort() + ", which " + pod.owner().ref() + " does not expose");
            }
          }
        }
        for (NetworkPolicyPeer peer : Objects.requireNonNullElse(rule.getFrom(), List.<NetworkPolicyPeer>of())) {
          peerPods(set, o.namespace(), peer).ifPresent(pods -> {
            if (pods.isEmpty()) {
              problems.add(o.ref() + ": a 'from' entry matches no rendered pod: " + peer);
            }
          });
        }
      }
    }
    // monitors -> Services / pods
    for (K8sObject o : set.ofKind("ServiceMonitor")) {
      ServiceMonitor sm = o.as(ServiceMonitor.class);
      List<Service> services = set.ofKind("Service").stream()
          .filter(s -> s.namespace().equals(o.namespace()))
          .map(s -> s.as(Service.class))
          .filter(s -> ManifestSet.matches(sm.getSpec().getSelector(), labels(s.getMetadata().getLabels())))
          .toList();
      if (services.isEmpty()) {
        problems.add(o.ref() + ": selects no Service");
      }
      sm.getSpec().getEndpoints().forEach(e -> services.forEach(s -> {
        if (s.getSpec().getPorts().stream().noneMatch(p -> Objects.equals(p.getName(), e.getPort()))) {
          problems.add(o.ref() + ": endpoint port " + e.getPort() + " is not a port of Service " + s.getMetadata().getName());
        }
      }));
    }
    for (K8sObject o : set.ofKind("PodMonitor")) {
      PodMonitor pm = o.as(PodMonitor.class);
      List<String> namespaces = pm.getSpec().getNamespaceSelector() != null
          && pm.getSpec().getNamespaceSelector().getMatchNames() != null
          && !pm.getSpec().getNamespaceSelector().getMatchNames().isEmpty()
          ? pm.getSpec().getNamespaceSelector().getMatchNames() : List.of(o.namespace());
      List<ManifestSet.Pod> pods = namespaces.stream()
          .flatMap(ns -> set.select(ns, pm.getSpec().getSelector()).stream()).toList();
      if (pods.isEmpty()) {
        problems.add(o.ref() + ": selects no pod");
      }
      pm.getSpec().getPodMetricsEndpoints().forEach(e -> pods.forEach(pod -> {
        if (pod.ports().noneMatch(p -> Objects.equals(p.getName(), e.getPort()))) {
          problems.add(o.ref() + ": endpoint port " + e.getPort() + " is not a port of " + pod.owner().ref());
        }
      }));
    }
    assertThat(problems).as("port disagreements in %s", spec).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("DEPLOYABLE")
  void peerAndZooKeeperPortsAreOpenOnlyToTheDaemonsAndAdminApiNotToAll(String spec) {
    ManifestSet set = Rendered.of(spec).set();
    List<String> problems = new ArrayList<>();
    Predicate<ManifestSet.Pod> daemon = p -> p.allContainers().anyMatch(DeployManifestsTest::isDaemon);
    Predicate<ManifestSet.Pod> zookeeper = p -> p.allContainers().anyMatch(c -> DeployManifestsTest.imageName(c)
        .endsWith("zookeeper"));
    for (ManifestSet.Pod pod : set.pods()) {
      List<ContainerPort> guarded = new ArrayList<>();
      List<ContainerPort> notPublic = new ArrayList<>();
      pod.allContainers().forEach(c -> Stream.ofNullable(c.getPorts()).flatMap(List::stream).forEach(p -> {
        String n = Objects.requireNonNullElse(p.getName(), "");
        if (DeployManifestsTest.isDaemon(c) && n.endsWith("p2p")) {
          guarded.add(p);
        }
        if (DeployManifestsTest.isDaemon(c) && n.endsWith("http")) {
          notPublic.add(p);
        }
        if (DeployManifestsTest.imageName(c).endsWith("zookeeper") && Set.of("client", "quorum", "election").contains(n)) {
          guarded.add(p);
        }
      }));
      List<K8sObject> policies = set.ofKind("NetworkPolicy").stream()
          .filter(o -> o.namespace().equals(pod.namespace()))
          .filter(o -> ManifestSet.matches(o.as(NetworkPolicy.class).getSpec().getPodSelector(), pod.labels()))
          .toList();
      if (!guarded.isEmpty() && policies.isEmpty()) {
        problems.add(pod.owner().ref() + ": no NetworkPolicy guards ports " + names(guarded));
      }
      for (K8sObject o : policies) {
        for (NetworkPolicyIngressRule rule : Objects.requireNonNullElse(o.as(NetworkPolicy.class).getSpec().getIngress(),
            List.<NetworkPolicyIngressRule>of())) {
          List<ContainerPort> coveredGuarded = covered(rule, guarded);
          List<ContainerPort> coveredPrivate = covered(rule, notPublic);
          List<NetworkPolicyPeer> from = Objects.requireNonNullElse(rule.getFrom(), List.of());
          if ((!coveredGuarded.isEmpty() || !coveredPrivate.isEmpty()) && from.isEmpty()) {
            problems.add(o.ref() + ": opens " + names(coveredGuarded) + names(coveredPrivate) + " to everyone");
          }
          if (coveredGuarded.isEmpty()) {
            continue;
          }
          for (NetworkPolicyPeer peer : from) {
            Optional<List<ManifestSet.Pod>> peers = peerPods(set, o.namespace(), peer);
            if (peers.isEmpty()) {
              problems.add(o.ref() + ": opens " + names(coveredGuarded) + " to " + peer
                  + ", which is not restricted to wpsync daemons");
            } else {
              peers.get().stream().filter(daemon.or(zookeeper).negate()).forEach(p -> problems.add(o.ref() + ": opens "
                  + names(coveredGuarded) + " to " + p.owner().ref() + ", which runs no wpsync daemon"));
            }
          }
        }
      }
    }
    assertThat(problems).as("network exposure in %s", spec).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("DEPLOYABLE")
  void wordpressMountsTheAgentTreeWholeAtItsRootInItsMode(String spec) {
    ManifestSet set = Rendered.of(spec).set();
    List<String> problems = new ArrayList<>();
    List<Agent> agents = new ArrayList<>();
    for (ManifestSet.Pod pod : set.pods()) {
      pod.allContainers().filter(c -> DeployManifestsTest.isDaemon(c) && c.getArgs().get(0).equals("agent"))
          .forEach(c -> agents.add(Agent.of(set, pod, c, problems)));
    }
    for (Agent a : agents) {
      String network = a.flags.get("--network");
      if (!a.flags.get("--root").endsWith("/" + network) || !a.flags.get("--data").endsWith("/" + network)) {
        problems.add(a.pod.ref(a.container) + ": --root and --data must end with the network name " + network);
      }
      if (!Set.of("read-only", "live").contains(a.flags.get("--mode"))) {
        problems.add(a.pod.ref(a.container) + ": --mode resolves to '" + a.flags.get("--mode") + "'");
      }
    }
    List<ManifestSet.Pod> wordpress = set.pods().stream()
        .filter(p -> p.allContainers().anyMatch(c -> DeployManifestsTest.imageName(c).endsWith("wordpress"))).toList();
    for (ManifestSet.Pod wp : wordpress) {
      Container php = wp.allContainers().filter(c -> DeployManifestsTest.imageName(c).endsWith("wordpress"))
          .findFirst().orElseThrow();
      Optional<Agent> sidecar = agents.stream().filter(a -> a.pod == wp).findFirst();
      List<Agent> serving = sidecar.map(List::of).orElse(agents.stream().filter(a -> a.pod.owner().kind().equals("DaemonSet")).toList());
      if (serving.isEmpty()) {
        continue; // the example rendered on its own: nothing to compare with
      }
      for (Agent a : serving) {
        String root = a.flags.get("--root");
        VolumeMount mount = Stream.ofNullable(php.getVolumeMounts()).flatMap(List::stream)
            .filter(m -> m.getMountPath().equals(root)).findFirst().orElse(null);
        if (mount == null) {
          problems.add(wp.ref(php) + ": does not mount the agent's --root " + root + " at the same path");
          continue;
        }
        if (mount.getSubPath() != null || mount.getSubPathExpr() != null) {
          problems.add(wp.ref(php) + ": mounts the wpsync tree with a subPath (pins the release at pod start)");
        }
        Volume v = DeployManifestsTest.volumes(wp).stream().filter(x -> x.getName().equals(mount.getName()))
            .findFirst().orElseThrow();
        if (sidecar.isEmpty()) {
          if (v.getHostPath() == null || !v.getHostPath().getPath().equals(root)) {
            problems.add(wp.ref(php) + ": volume " + v.getName() + " must be hostPath " + root + " (the whole root)");
          }
        } else if (a.container.getVolumeMounts().stream().noneMatch(m -> m.getName().equals(mount.getName())
            && m.getMountPath().equals(root))) {
          problems.add(wp.ref(php) + ": the sidecar agent does not write volume " + mount.getName() + " at " + root);
        }
        String mode = a.flags.get("--mode");
        if ("read-only".equals(mode) && !Boolean.TRUE.equals(mount.getReadOnly())) {
          problems.add(wp.ref(php) + ": agent mode read-only but WordPress mounts the tree writable");
        }
        if ("live".equals(mode) && Boolean.TRUE.equals(mount.getReadOnly())) {
          problems.add(wp.ref(php) + ": agent mode live but WordPress mounts the tree read-only");
        }
        if (!Objects.equals(set.envValue(wp, php, "WPSYNC_MODE", problems), mode)) {
          problems.add(wp.ref(php) + ": WPSYNC_MODE differs from the agent's --mode " + mode);
        }
        if (!Objects.equals(set.envValue(wp, php, "WPSYNC_ROOT", problems), root)) {
          problems.add(wp.ref(php) + ": WPSYNC_ROOT differs from the agent's --root " + root);
        }
        for (String link : DaemonFlags.all(a.container, "--link")) {
          String target = link.substring(link.indexOf('=') + 1);
          if (Stream.ofNullable(php.getVolumeMounts()).flatMap(List::stream).noneMatch(m -> m.getMountPath().equals(target))) {
            problems.add(wp.ref(php) + ": the agent links " + link + " but WordPress mounts nothing at " + target);
          }
        }
        readinessFollowsAgent(set, wp, php, a, sidecar.isPresent(), problems);
      }
      boolean tolerates = Stream.ofNullable(wp.spec().getTolerations()).flatMap(List::stream)
          .anyMatch(t -> "wpsync.io/not-ready".equals(t.getKey()) || (t.getKey() == null && "Exists".equals(t.getOperator())));
      if (tolerates) {
        problems.add(wp.owner().ref() + ": tolerates wpsync.io/not-ready, so it may start on an unsynced node");
      }
    }
    assertThat(problems).as("WordPress/agent disagreements in %s", spec).isEmpty();
  }

  private static void readinessFollowsAgent(ManifestSet set, ManifestSet.Pod wp, Container php, Agent a,
      boolean sidecar, List<String> problems) {
    var probe = php.getReadinessProbe();
    int agentPort = Integer.parseInt(a.flags.get("--http").replaceAll(".*:", ""));
    if (probe == null) {
      problems.add(wp.ref(php) + ": no readinessProbe tied to the agent");
      return;
    }
    if (sidecar) {
      boolean ok = probe.getHttpGet() != null && "/readyz".equals(probe.getHttpGet().getPath())
          && Objects.equals(probe.getHttpGet().getPort().getIntVal(), agentPort);
      if (!ok) {
        problems.add(wp.ref(php) + ": readiness must GET the sidecar agent's /readyz on port " + agentPort);
      }
      return;
    }
    String command = probe.getExec() == null ? "" : String.join(" ", probe.getExec().getCommand());
    Matcher m = Pattern.compile("http://([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc(?:\\.[a-z.]+)?:(\\d+)(/[a-z]+)").matcher(command);
    if (!m.find()) {
      problems.add(wp.ref(php) + ": readiness does not ask the node's agent (http://<service>.<ns>.svc:<port>/readyz)");
      return;
    }
    Optional<K8sObject> svc = set.find("Service", m.group(2), m.group(1));
    if (svc.isEmpty()) {
      problems.add(wp.ref(php) + ": readiness asks Service " + m.group(2) + "/" + m.group(1) + ", which is not rendered");
      return;
    }
    Service s = svc.get().as(Service.class);
    if (!"Local".equals(s.getSpec().getInternalTrafficPolicy())) {
      problems.add(svc.get().ref() + ": needs internalTrafficPolicy Local to reach the agent of the caller's node");
    }
    int port = Integer.parseInt(m.group(3));
    Optional<ServicePort> sp = s.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst();
    if (sp.isEmpty() || !set.select(m.group(2), s.getSpec().getSelector()).contains(a.pod)
        || !resolvesTo(a.pod, sp.get().getTargetPort(), agentPort)) {
      problems.add(wp.ref(php) + ": readiness URL port " + port + " does not reach the agent's --http port " + agentPort);
    }
    if (!"/readyz".equals(m.group(4))) {
      problems.add(wp.ref(php) + ": readiness must ask /readyz, asks " + m.group(4));
    }
  }

  /** An agent container with its flags expanded. */
  record Agent(ManifestSet.Pod pod, Container container, Map<String, String> flags) {
    static Agent of(ManifestSet set, ManifestSet.Pod pod, Container c, List<String> problems) {
      Map<String, String> flags = new java.util.LinkedHashMap<>();
      DaemonFlags.of(c).forEach((k, v) -> flags.put(k, set.expand(pod, c, v, problems)));
      return new Agent(pod, c, flags);
    }
  }

  // ---- helpers

  static Map<String, String> labels(Map<String, String> l) {
    return l == null ? Map.of() : l;
  }

  static boolean hasPort(ManifestSet.Pod pod, IntOrString port) {
    if (port == null) {
      return true; // a policy rule without a port covers every port
    }
    return port.getStrVal() != null
        ? pod.ports().anyMatch(p -> port.getStrVal().equals(p.getName()))
        : pod.ports().anyMatch(p -> p.getContainerPort().equals(port.getIntVal()));
  }

  static boolean resolvesTo(ManifestSet.Pod pod, IntOrString target, int containerPort) {
    return target.getStrVal() != null
        ? pod.ports().anyMatch(p -> target.getStrVal().equals(p.getName()) && p.getContainerPort() == containerPort)
        : target.getIntVal() == containerPort;
  }

  private static List<ContainerPort> covered(NetworkPolicyIngressRule rule, List<ContainerPort> ports) {
    List<NetworkPolicyPort> rulePorts = Objects.requireNonNullElse(rule.getPorts(), List.of());
    if (rulePorts.isEmpty()) {
      return ports;
    }
    return ports.stream().filter(cp -> rulePorts.stream().anyMatch(rp -> rp.getPort() == null
        || (rp.getPort().getStrVal() != null ? rp.getPort().getStrVal().equals(cp.getName())
            : rp.getPort().getIntVal().equals(cp.getContainerPort())))).toList();
  }

  private static String names(List<ContainerPort> ports) {
    return ports.stream().map(p -> p.getName() + "/" + p.getContainerPort()).toList().toString();
  }

  /**
   * The rendered pods a policy peer admits, or empty when the peer cannot be resolved to pods (an
   * ipBlock, or a namespace chosen by a label other than kubernetes.io/metadata.name).
   */
  static Optional<List<ManifestSet.Pod>> peerPods(ManifestSet set, String policyNamespace, NetworkPolicyPeer peer) {
    if (peer.getIpBlock() != null) {
      return Optional.empty();
    }
    LabelSelector nsSel = peer.getNamespaceSelector();
    String ns = policyNamespace;
    if (nsSel != null) {
      Map<String, String> ml = labels(nsSel.getMatchLabels());
      if (ml.size() != 1 || !ml.containsKey("kubernetes.io/metadata.name") || nsSel.getMatchExpressions() != null
          && !nsSel.getMatchExpressions().isEmpty()) {
        return Optional.empty();
      }
      ns = ml.get("kubernetes.io/metadata.name");
      if (set.find("Namespace", "", ns).isEmpty()) {
        return Optional.empty(); // e.g. "monitoring": not part of this set
      }
    }
    if (peer.getPodSelector() == null) {
      String n = ns;
      return Optional.of(set.pods().stream().filter(p -> p.namespace().equals(n)).toList());
    }
    return Optional.of(set.select(ns, peer.getPodSelector()));
  }

  static Optional<String> configMapValue(ManifestSet set, String ns, String namePrefix, String key) {
    return set.ofKind("ConfigMap").stream()
        .filter(o -> o.namespace().equals(ns) && o.name().startsWith(namePrefix))
        .map(o -> o.as(ConfigMap.class).getData())
        .filter(d -> d != null && d.containsKey(key))
        .map(d -> d.get(key))
        .findFirst();
  }
}
