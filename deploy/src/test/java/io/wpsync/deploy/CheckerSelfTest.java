package io.wpsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks themselves, on small broken manifests: each must report what it is there to catch. */
class CheckerSelfTest {
  private static final String POD = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: t}
      spec:
        replicas: %s
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            securityContext: {runAsNonRoot: true, runAsUser: 33, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: c
                image: example/web:1
                %s
                ports: [{name: http, containerPort: 80}]
                livenessProbe: {tcpSocket: {port: http}}
                readinessProbe: {httpGet: {path: /, port: %s}}
                resources: {requests: {cpu: 10m, memory: 10Mi}, limits: {memory: 10Mi}}
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: %s
                  capabilities: {drop: [ALL]}
      """;

  private static List<String> parseProblems(String yaml) throws Exception {
    List<String> problems = new ArrayList<>();
    ModelParser.parse("self-test", yaml, problems);
    return problems;
  }

  private static List<String> podProblems(String yaml) throws Exception {
    List<String> problems = new ArrayList<>();
    ManifestSet set = new ManifestSet(ModelParser.parse("self-test", yaml, problems));
    assertThat(problems).isEmpty();
    for (ManifestSet.Pod pod : set.pods()) {
      DeployManifestsTest.checkPodForTest(pod, problems);
    }
    return problems;
  }

  @Test
  void aCorrectManifestHasNoProblems() throws Exception {
    assertThat(parseProblems(POD.formatted("2", "", "http", "true"))).isEmpty();
    assertThat(podProblems(POD.formatted("2", "", "http", "true"))).isEmpty();
  }

  @Test
  void reportsAnUnknownField() throws Exception {
    assertThat(parseProblems(POD.formatted("2", "imagePullPolicyy: Always", "http", "true")))
        .anySatisfy(p -> assertThat(p).contains("unknown field spec.template.spec.containers[0].imagePullPolicyy"));
  }

  @Test
  void reportsWrongTypes() throws Exception {
    assertThat(parseProblems(POD.formatted("\"2\"", "", "http", "true"))).anySatisfy(p -> assertThat(p).contains("replicas"));
    assertThat(parseProblems(POD.formatted("2", "", "http", "\"true\"")))
        .anySatisfy(p -> assertThat(p).contains("readOnlyRootFilesystem"));
    assertThat(parseProblems(POD.formatted("2", "env: [{name: A, value: 0}]", "http", "true")))
        .anySatisfy(p -> assertThat(p).contains("env"));
  }

  @Test
  void reportsAnUnknownKindAndAMissingNamespace() throws Exception {
    assertThat(parseProblems("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x, namespace: t}\n"))
        .anySatisfy(p -> assertThat(p).contains("unknown apiVersion/kind apps/v1/Deploymnet"));
    assertThat(parseProblems("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
        .anySatisfy(p -> assertThat(p).contains("without a namespace"));
  }

  @Test
  void reportsAWritableRootFilesystemAndAProbeOnAnotherContainersPortName() throws Exception {
    assertThat(podProblems(POD.formatted("2", "", "http", "false")))
        .anySatisfy(p -> assertThat(p).contains("readOnlyRootFilesystem is not true"));
    assertThat(podProblems(POD.formatted("2", "", "metrics", "true")))
        .anySatisfy(p -> assertThat(p).contains("probe port 'metrics' is not a port name of this container"));
  }

  @Test
  void reportsAContainerThatMayRunAsRootOrLacksLimits() throws Exception {
    String root = POD.formatted("2", "", "http", "true").replace("runAsUser: 33", "runAsUser: 0");
    assertThat(podProblems(root)).anySatisfy(p -> assertThat(p).contains("may run as root"));
    String noUser = POD.formatted("2", "", "http", "true").replace("runAsNonRoot: true, runAsUser: 33, ", "");
    assertThat(podProblems(noUser)).anySatisfy(p -> assertThat(p).contains("may run as root"));
    String noLimit = POD.formatted("2", "", "http", "true").replace(", limits: {memory: 10Mi}", "");
    assertThat(podProblems(noLimit)).anySatisfy(p -> assertThat(p).contains("no resources.limits.memory"));
    String noLiveness = POD.formatted("2", "", "http", "true").replace("livenessProbe: {tcpSocket: {port: http}}", "");
    assertThat(podProblems(noLiveness)).anySatisfy(p -> assertThat(p).contains("no livenessProbe"));
  }

  @Test
  void readsOptionNamesFromPicocliHelp() {
    String help = """
        Usage: wpsync agent [-hV] [--data=DIR] [--link=NAME=PATH]...
        Runs a wpsync agent: keeps --root current.
              --id=ID              Agent id (default: host name).
              --data=DIR           Private state directory.
              --link=NAME=PATH     Linked path (repeatable).
          -h, --help               Show this help message and exit.
          -V, --version            Print version information and exit.
        Example:
          wpsync agent --id web-1 --bogus-in-example x
        """;
    assertThat(DaemonHelp.parse(help)).containsExactlyInAnyOrder("--id", "--data", "--link", "--help", "--version");
  }

  @Test
  void expandsEnvReferencesAndReportsUndefinedOnes() throws Exception {
    String yaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings-abc, namespace: t}
        data: {zk: "zk-0:2181"}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: t}
        spec:
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: a}}
            spec:
              containers:
                - name: agent
                  image: wpsync
                  args: [agent, "--zk=$(ZK)", "--id=$(NODE)"]
                  env:
                    - {name: ZK, valueFrom: {configMapKeyRef: {name: settings-abc, key: zk}}}
                    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        """;
    List<String> problems = new ArrayList<>();
    ManifestSet set = new ManifestSet(ModelParser.parse("self-test", yaml, problems));
    assertThat(problems).isEmpty();
    ManifestSet.Pod pod = set.pods().get(0);
    var c = pod.spec().getContainers().get(0);
    assertThat(set.expand(pod, c, "--zk=$(ZK)", problems)).isEqualTo("--zk=zk-0:2181");
    assertThat(set.expand(pod, c, "--id=$(NODE)", problems)).isEqualTo("--id=<fieldRef:spec.nodeName>");
    assertThat(problems).isEmpty();
    set.expand(pod, c, "--x=$(MISSING)", problems);
    assertThat(problems).singleElement().asString().contains("$(MISSING) is used but not defined");
  }
}
