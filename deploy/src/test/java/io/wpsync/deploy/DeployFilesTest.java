package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Files that must agree with the manifests: the plain alert rules and the PrometheusRule, the
 * runbook of every alert, zoo.cfg and the ZooKeeper StatefulSet, the node gate's RBAC, admission
 * policy and taint, the Grafana dashboard, and the operator-created Secrets in the install guide.
 */
class DeployFilesTest {
  private static final ObjectMapper YAML = new YAMLMapper();

  private static JsonNode productionRuleSpec() {
    K8sObject rule = Rendered.of("overlays/production").set().ofKind("PrometheusRule").get(0);
    return rule.raw().path("spec");
  }

  @Test
  void prometheusRuleCarriesExactlyThePlainRuleFile() throws Exception {
    JsonNode plain = YAML.readTree(Kustomize.deployDir().resolve("monitoring/prometheus-rules.yaml").toFile());
    List<String> diffs = new ArrayList<>();
    ModelParser.diff("", plain, productionRuleSpec(), diffs);
    assertThat(diffs).as("monitoring/prometheusrule.yaml spec vs monitoring/prometheus-rules.yaml").isEmpty();
  }

  @Test
  void everyAlertHasARunbookSectionInOperationsMd() throws Exception {
    Path ops = Kustomize.repoDir().resolve("docs/operations.md");
    assertThat(ops).exists();
    Set<String> anchors = Files.readAllLines(ops, StandardCharsets.UTF_8).stream()
        .filter(l -> l.startsWith("#"))
        .map(l -> l.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-'))
        .collect(Collectors.toSet());
    List<String> problems = new ArrayList<>();
    for (JsonNode group : productionRuleSpec().path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String alert = rule.path("alert").asText();
        String runbook = rule.path("annotations").path("runbook").asText("");
        String expected = "docs/operations.md#" + alert.toLowerCase(Locale.ROOT);
        if (!runbook.equals(expected)) {
          problems.add(alert + ": annotation runbook is '" + runbook + "', expected " + expected);
        }
        if (!anchors.contains(alert.toLowerCase(Locale.ROOT))) {
          problems.add(alert + ": docs/operations.md has no heading '" + alert + "'");
        }
        if (rule.path("labels").path("severity").asText("").isEmpty()) {
          problems.add(alert + ": no severity label");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void promtoolAcceptsTheRulesWhereItIsInstalled() throws Exception {
    String promtool = onPath("promtool");
    Assumptions.assumeTrue(promtool != null, "promtool is not installed (the Prometheus issue's CI installs it)");
    Process p = new ProcessBuilder(promtool, "check", "rules",
        Kustomize.deployDir().resolve("monitoring/prometheus-rules.yaml").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void zooCfgAgreesWithTheStatefulSetItsProbesAndTheDaemonsConnectString() throws Exception {
    ManifestSet set = Rendered.of("overlays/production").set();
    ConfigMap cm = set.ofKind("ConfigMap").stream().filter(o -> o.name().startsWith("zookeeper-config"))
        .findFirst().orElseThrow().as(ConfigMap.class);
    Properties cfg = new Properties();
    cfg.load(new java.io.StringReader(cm.getData().get("zoo.cfg")));
    StatefulSet sts = set.find("StatefulSet", "wpsync", "zookeeper").orElseThrow().as(StatefulSet.class);
    Container zk = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, Integer> ports = zk.getPorts().stream().collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort()));
    List<String> problems = new ArrayList<>();
    int client = Integer.parseInt(cfg.getProperty("clientPort"));
    if (client != ports.get("client")) {
      problems.add("clientPort " + client + " != container port client " + ports.get("client"));
    }
    if (!String.valueOf(ports.get("metrics")).equals(cfg.getProperty("metricsProvider.httpPort"))) {
      problems.add("metricsProvider.httpPort != container port metrics");
    }
    // one server.N per replica, named after the pods of the governing Service
    Set<String> hosts = new LinkedHashSet<>();
    for (int i = 0; i < sts.getSpec().getReplicas(); i++) {
      String expected = "zookeeper-" + i + "." + sts.getSpec().getServiceName() + ":" + ports.get("quorum") + ":"
          + ports.get("election") + ";" + client;
      if (!expected.equals(cfg.getProperty("server." + (i + 1)))) {
        problems.add("server." + (i + 1) + " is " + cfg.getProperty("server." + (i + 1)) + ", expected " + expected);
      }
      hosts.add("zookeeper-" + i + "." + sts.getSpec().getServiceName() + ":" + client);
    }
    if (cfg.getProperty("server." + (sts.getSpec().getReplicas() + 1)) != null) {
      problems.add("more server.N lines than replicas");
    }
    // the myid the start script writes matches server.N: ordinal + 1
    String script = String.join(" ", zk.getCommand());
    if (!script.contains("$((ordinal + 1))") || !script.contains(cfg.getProperty("dataDir") + "/myid")) {
      problems.add("the start script must write ordinal+1 to " + cfg.getProperty("dataDir") + "/myid");
    }
    // probes use only whitelisted four-letter words
    Set<String> whitelist = Set.of(cfg.getProperty("4lw.commands.whitelist").split(","));
    Set<String> used = new TreeSet<>();
    for (var probe : List.of(zk.getLivenessProbe(), zk.getReadinessProbe())) {
      Matcher m = Pattern.compile("echo (\\w{4}) \\| nc -w \\d+ 127\\.0\\.0\\.1 (\\d+)").matcher(String.join(" ", probe.getExec().getCommand()));
      if (!m.find()) {
        problems.add("a ZooKeeper probe does not use `echo <4lw> | nc`: " + probe.getExec().getCommand());
        continue;
      }
      used.add(m.group(1));
      if (Integer.parseInt(m.group(2)) != client) {
        problems.add("a probe talks to port " + m.group(2) + ", not the client port " + client);
      }
    }
    if (!whitelist.containsAll(used)) {
      problems.add("probes use " + used + " but the whitelist is " + whitelist);
    }
    if (Integer.parseInt(cfg.getProperty("autopurge.purgeInterval", "0")) <= 0) {
      problems.add("autopurge.purgeInterval must be > 0");
    }
    // the daemons connect to exactly these servers
    String connect = DeployConsistencyTest.configMapValue(set, "wpsync", "wpsync-settings", "zk-connect").orElseThrow();
    if (!connect.equals(String.join(",", hosts))) {
      problems.add("wpsync-settings zk-connect is " + connect + ", expected " + String.join(",", hosts));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theNodeGateMayOnlyLiftItsOwnTaintWithTheAgentsServiceAccount() {
    ManifestSet set = Rendered.of("overlays/production").set();
    DaemonSet ds = set.find("DaemonSet", "wpsync", "wpsync-agent").orElseThrow().as(DaemonSet.class);
    var spec = ds.getSpec().getTemplate().getSpec();
    String sa = "system:serviceaccount:wpsync:" + spec.getServiceAccountName();
    ValidatingAdmissionPolicy vap = set.find("ValidatingAdmissionPolicy", "", "wpsync-node-gate").orElseThrow()
        .as(ValidatingAdmissionPolicy.class);
    Container gate = spec.getContainers().stream().filter(c -> c.getName().equals("node-gate")).findFirst().orElseThrow();
    String taint = gate.getEnv().stream().filter(e -> e.getName().equals("TAINT_KEY")).findFirst().orElseThrow().getValue();
    List<String> problems = new ArrayList<>();
    if (!vap.getSpec().getMatchConditions().get(0).getExpression().contains("'" + sa + "'")) {
      problems.add("the admission policy does not match " + sa);
    }
    String validations = vap.getSpec().getValidations().toString() + vap.getSpec().getVariables().toString();
    if (!validations.contains("'" + taint + "'")) {
      problems.add("the admission policy does not name the taint " + taint);
    }
    if (spec.getTolerations().stream().noneMatch(t -> taint.equals(t.getKey()))) {
      problems.add("the agent does not tolerate " + taint);
    }
    ClusterRoleBinding crb = set.find("ClusterRoleBinding", "", "wpsync-node-gate").orElseThrow().as(ClusterRoleBinding.class);
    if (crb.getSubjects().stream().noneMatch(s -> sa.equals("system:serviceaccount:" + s.getNamespace() + ":" + s.getName()))) {
      problems.add("the ClusterRoleBinding does not bind " + sa);
    }
    var role = set.find("ClusterRole", "", crb.getRoleRef().getName()).orElseThrow()
        .as(io.fabric8.kubernetes.api.model.rbac.ClusterRole.class);
    role.getRules().forEach(r -> {
      if (!r.getResources().equals(List.of("nodes")) || !Set.of("get", "patch").containsAll(r.getVerbs())) {
        problems.add("the node gate's ClusterRole grants more than get/patch on nodes: " + r);
      }
    });
    if (!Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
      problems.add("the agent pod must not automount the token (only node-gate gets it, projected)");
    }
    spec.getContainers().stream().filter(c -> !c.getName().equals("node-gate"))
        .filter(c -> c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().contains("serviceaccount")))
        .forEach(c -> problems.add(c.getName() + " mounts the ServiceAccount token"));
    // the init container's chown matches the user the agent runs as
    String init = String.join(" ", spec.getInitContainers().get(0).getCommand());
    long uid = spec.getSecurityContext().getRunAsUser();
    long gid = spec.getSecurityContext().getRunAsGroup();
    if (!init.contains("chown " + uid + ":" + gid + " ")) {
      problems.add("prepare-host-dirs must chown to " + uid + ":" + gid);
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theGrafanaDashboardIsValidJsonShippedAsAConfigMap() throws Exception {
    Path file = Kustomize.deployDir().resolve("monitoring/grafana-dashboard.json");
    JsonNode dash = new ObjectMapper().readTree(file.toFile());
    assertThat(dash.path("uid").asText()).isNotBlank();
    assertThat(dash.path("panels")).isNotEmpty();
    for (JsonNode p : dash.path("panels")) {
      if (!p.path("type").asText().equals("row")) {
        assertThat(p.path("targets")).as("targets of panel %s", p.path("title")).isNotEmpty();
      }
    }
    ConfigMap cm = Rendered.of("monitoring").set().find("ConfigMap", "wpsync", "wpsync-grafana-dashboard").orElseThrow()
        .as(ConfigMap.class);
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(new ObjectMapper().readTree(cm.getData().get("wpsync.json"))).isEqualTo(dash);
  }

  @Test
  void theInstallGuideNamesEverySecretTheOperatorCreates() throws Exception {
    String guide = Files.readString(Kustomize.repoDir().resolve("docs/install-kubernetes.md"), StandardCharsets.UTF_8);
    for (String secret : DeployConsistencyTest.OPERATOR_SECRETS) {
      assertThat(guide).as("docs/install-kubernetes.md creates Secret %s", secret).contains("secret generic " + secret);
    }
  }

  static String onPath(String name) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, name)).filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
  }
}
