package io.wpsync.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The objects of one or more rendered kustomizations, with the lookups the checks need. */
final class ManifestSet {
  /** A pod template and the workload that owns it. */
  record Pod(K8sObject owner, PodTemplateSpec template) {
    PodSpec spec() {
      return template.getSpec();
    }

    Map<String, String> labels() {
      Map<String, String> l = template.getMetadata() == null ? null : template.getMetadata().getLabels();
      return l == null ? Map.of() : l;
    }

    String namespace() {
      return owner.namespace();
    }

    /** Regular containers and init containers (native sidecars included). */
    Stream<Container> allContainers() {
      return Stream.concat(inits().stream(), spec().getContainers().stream());
    }

    /** Containers that run for the pod's lifetime: regular ones and native sidecars. */
    Stream<Container> longRunning() {
      return Stream.concat(inits().stream().filter(ManifestSet::isNativeSidecar), spec().getContainers().stream());
    }

    List<Container> inits() {
      return spec().getInitContainers() == null ? List.of() : spec().getInitContainers();
    }

    Stream<ContainerPort> ports() {
      return allContainers().flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream());
    }

    String ref(Container c) {
      return owner.ref() + " container " + c.getName();
    }
  }

  static boolean isNativeSidecar(Container c) {
    return "Always".equals(c.getRestartPolicy());
  }

  private final List<K8sObject> objects;

  ManifestSet(List<K8sObject> objects) {
    this.objects = List.copyOf(objects);
  }

  List<K8sObject> all() {
    return objects;
  }

  List<K8sObject> ofKind(String kind) {
    return objects.stream().filter(o -> o.kind().equals(kind)).toList();
  }

  Optional<K8sObject> find(String kind, String namespace, String name) {
    return objects.stream()
        .filter(o -> o.kind().equals(kind) && o.namespace().equals(namespace) && o.name().equals(name))
        .findFirst();
  }

  List<Pod> pods() {
    List<Pod> out = new ArrayList<>();
    for (K8sObject o : objects) {
      if (o.typed() instanceof DaemonSet d) {
        out.add(new Pod(o, d.getSpec().getTemplate()));
      } else if (o.typed() instanceof StatefulSet s) {
        out.add(new Pod(o, s.getSpec().getTemplate()));
      } else if (o.typed() instanceof Deployment d) {
        out.add(new Pod(o, d.getSpec().getTemplate()));
      }
    }
    return out;
  }

  /** Pods of {@code namespace} whose labels match {@code selector} (matchLabels and matchExpressions). */
  List<Pod> select(String namespace, LabelSelector selector) {
    return pods().stream().filter(p -> p.namespace().equals(namespace) && matches(selector, p.labels())).toList();
  }

  List<Pod> select(String namespace, Map<String, String> matchLabels) {
    return pods().stream()
        .filter(p -> p.namespace().equals(namespace) && p.labels().entrySet().containsAll(matchLabels.entrySet()))
        .toList();
  }

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    if (selector.getMatchLabels() != null && !labels.entrySet().containsAll(selector.getMatchLabels().entrySet())) {
      return false;
    }
    if (selector.getMatchExpressions() != null) {
      for (var e : selector.getMatchExpressions()) {
        String v = labels.get(e.getKey());
        boolean ok = switch (e.getOperator()) {
          case "In" -> v != null && e.getValues().contains(v);
          case "NotIn" -> v == null || !e.getValues().contains(v);
          case "Exists" -> v != null;
          case "DoesNotExist" -> v == null;
          default -> throw new IllegalArgumentException("unknown selector operator " + e.getOperator());
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /**
   * The value of a container argument after Kubernetes' {@code $(VAR)} expansion, resolving env vars
   * given as literals or ConfigMap keys of this set; an unresolvable reference stays as {@code $(VAR)}
   * and is reported through {@code problems}.
   */
  String expand(Pod pod, Container c, String arg, List<String> problems) {
    Matcher m = VAR_REF.matcher(arg);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String var = m.group(1);
      String value = envValue(pod, c, var, problems);
      m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? m.group() : value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** The value of env var {@code name} of container {@code c}, "<fieldRef:path>" for downward API, or null. */
  String envValue(Pod pod, Container c, String name, List<String> problems) {
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (!e.getName().equals(name)) {
        continue;
      }
      if (e.getValue() != null) {
        return e.getValue();
      }
      var from = e.getValueFrom();
      if (from != null && from.getFieldRef() != null) {
        return "<fieldRef:" + from.getFieldRef().getFieldPath() + ">";
      }
      if (from != null && from.getConfigMapKeyRef() != null) {
        var ref = from.getConfigMapKeyRef();
        Optional<K8sObject> cm = find("ConfigMap", pod.namespace(), ref.getName());
        String v = cm.map(o -> ((ConfigMap) o.typed()).getData()).map(d -> d.get(ref.getKey())).orElse(null);
        if (v == null) {
          problems.add(pod.ref(c) + ": env " + name + " reads ConfigMap " + ref.getName() + " key " + ref.getKey()
              + ", which this render does not contain");
        }
        return v;
      }
      if (from != null && from.getSecretKeyRef() != null) {
        return "<secret:" + from.getSecretKeyRef().getName() + "/" + from.getSecretKeyRef().getKey() + ">";
      }
    }
    problems.add(pod.ref(c) + ": $(" + name + ") is used but not defined in the container's env"
        + " (Kubernetes would pass it literally)");
    return null;
  }
}
