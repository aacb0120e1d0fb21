package io.wpsync.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Parses rendered YAML into fabric8 Kubernetes model types and reports what the API server would
 * reject or silently drop: kinds we do not know, fields the model does not have (fabric8 collects
 * them in {@code additionalProperties}), and values of the wrong type (a string where an integer or
 * boolean belongs, a number where a string belongs), found by a strict mapper and by comparing the
 * object re-serialized from the model with the original tree.
 */
final class ModelParser {
  /** apiVersion/kind -> model class: every kind the manifests may contain. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      kind("v1", io.fabric8.kubernetes.api.model.Namespace.class),
      kind("v1", io.fabric8.kubernetes.api.model.ConfigMap.class),
      kind("v1", io.fabric8.kubernetes.api.model.Secret.class),
      kind("v1", io.fabric8.kubernetes.api.model.Service.class),
      kind("v1", io.fabric8.kubernetes.api.model.ServiceAccount.class),
      kind("v1", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class),
      kind("apps/v1", io.fabric8.kubernetes.api.model.apps.DaemonSet.class),
      kind("apps/v1", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
      kind("apps/v1", io.fabric8.kubernetes.api.model.apps.Deployment.class),
      kind("policy/v1", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
      kind("networking.k8s.io/v1", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
      kind("rbac.authorization.k8s.io/v1", io.fabric8.kubernetes.api.model.rbac.ClusterRole.class),
      kind("rbac.authorization.k8s.io/v1", io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class),
      kind("rbac.authorization.k8s.io/v1", io.fabric8.kubernetes.api.model.rbac.Role.class),
      kind("rbac.authorization.k8s.io/v1", io.fabric8.kubernetes.api.model.rbac.RoleBinding.class),
      kind("scheduling.k8s.io/v1", io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass.class),
      kind("autoscaling/v2", io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
      kind("admissionregistration.k8s.io/v1",
          io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy.class),
      kind("admissionregistration.k8s.io/v1",
          io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding.class),
      kind("monitoring.coreos.com/v1", io.fabric8.openshift.api.model.monitoring.v1.PodMonitor.class),
      kind("monitoring.coreos.com/v1", io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor.class),
      kind("monitoring.coreos.com/v1", io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class));

  /** Kinds that have no namespace; a rendered namespace on them is a kustomize mistake. */
  static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
      "PriorityClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");

  private static Map.Entry<String, Class<? extends HasMetadata>> kind(String apiVersion,
      Class<? extends HasMetadata> type) {
    return Map.entry(apiVersion + "/" + type.getSimpleName(), type);
  }

  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper STRICT = strictMapper();

  private static ObjectMapper strictMapper() {
    JsonMapper m = JsonMapper.builder()
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .build();
    for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    for (CoercionInputShape s : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
        CoercionInputShape.Boolean)) {
      m.coercionConfigFor(LogicalType.Textual).setCoercion(s, CoercionAction.Fail);
    }
    return m;
  }

  private ModelParser() {}

  /** Parses a multi-document YAML stream into raw trees (documents that are empty are skipped). */
  static List<ObjectNode> documents(String yaml) throws IOException {
    List<ObjectNode> out = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n == null || n.isNull() || n.isMissingNode()) {
          continue;
        }
        if (!n.isObject()) {
          throw new IOException("a YAML document is not a mapping: " + n);
        }
        out.add((ObjectNode) n);
      }
    }
    return out;
  }

  /**
   * Parses every document of {@code yaml} and adds the problems found to {@code problems}; returns
   * the objects that parsed.
   */
  static List<K8sObject> parse(String origin, String yaml, List<String> problems) throws IOException {
    List<K8sObject> out = new ArrayList<>();
    for (ObjectNode raw : documents(yaml)) {
      String apiVersion = raw.path("apiVersion").asText("");
      String kind = raw.path("kind").asText("");
      String name = raw.path("metadata").path("name").asText("");
      String where = origin + ": " + kind + " " + name;
      Class<? extends HasMetadata> type = KINDS.get(apiVersion + "/" + kind);
      if (type == null) {
        problems.add(where + ": unknown apiVersion/kind " + apiVersion + "/" + kind
            + " (add it to ModelParser.KINDS if it is intended)");
        continue;
      }
      if (name.isEmpty()) {
        problems.add(where + ": metadata.name is missing");
      }
      HasMetadata typed;
      try {
        typed = STRICT.treeToValue(raw, type);
      } catch (IOException e) {
        String at = e instanceof com.fasterxml.jackson.databind.JsonMappingException jme ? " at " + path(jme) : "";
        problems.add(where + ": does not parse as " + type.getSimpleName() + at + ": "
            + (e instanceof com.fasterxml.jackson.core.JacksonException je ? je.getOriginalMessage() : e.getMessage()).lines().findFirst().orElse(""));
        continue;
      }
      List<String> unknown = new ArrayList<>();
      unknownFields(typed, "", unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
      unknown.forEach(u -> problems.add(where + ": unknown field " + u));
      JsonNode back = STRICT.valueToTree(typed);
      List<String> diffs = new ArrayList<>();
      diff("", raw, back, diffs);
      diffs.forEach(d -> problems.add(where + ": " + d));
      boolean clusterScoped = CLUSTER_SCOPED.contains(kind);
      String ns = typed.getMetadata() == null ? null : typed.getMetadata().getNamespace();
      if (clusterScoped && ns != null) {
        problems.add(where + ": cluster-scoped kind rendered with namespace " + ns);
      }
      if (!clusterScoped && (ns == null || ns.isEmpty())) {
        problems.add(where + ": namespaced kind rendered without a namespace");
      }
      out.add(new K8sObject(origin, raw, typed));
    }
    return out;
  }

  private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  /** Walks the model graph; every non-empty {@code additionalProperties} is a field the model lacks. */
  private static void unknownFields(Object o, String path, List<String> out, Set<Object> seen) {
    if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>
        || !seen.add(o)) {
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
      return;
    }
    if (o instanceof Collection<?> list) {
      int i = 0;
      for (Object e : list) {
        unknownFields(e, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
          || !m.getDeclaringClass().getName().startsWith("io.fabric8.")) {
        continue;
      }
      String n = m.getName();
      Object value;
      try {
        if (n.equals("getAdditionalProperties")) {
          Object extra = m.invoke(o);
          if (extra instanceof Map<?, ?> map && !map.isEmpty()) {
            for (Object key : new TreeSet<>(map.keySet().stream().map(String::valueOf).toList())) {
              out.add((path.isEmpty() ? "" : path.substring(1) + ".") + key);
            }
          }
          continue;
        }
        if (!n.startsWith("get") || n.length() == 3) {
          continue;
        }
        value = m.invoke(o);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      String prop = Character.toLowerCase(n.charAt(3)) + n.substring(4);
      unknownFields(value, path + "." + prop, out, seen);
    }
  }

  /** Differences between the original tree and the one re-serialized from the model. */
  static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
    if (a.isNumber() && b.isNumber()) {
      if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
        out.add(at(path) + ": " + a + " became " + b);
      }
      return;
    }
    if (a.getNodeType() != b.getNodeType()) {
      out.add(at(path) + ": wrong type: " + a.getNodeType().name().toLowerCase() + " " + abbreviate(a)
          + " where the API expects " + b.getNodeType().name().toLowerCase() + " (model read it as " + abbreviate(b) + ")");
      return;
    }
    if (a.isObject()) {
      Map<String, JsonNode> left = new TreeMap<>();
      a.properties().forEach(e -> left.put(e.getKey(), e.getValue()));
      Map<String, JsonNode> right = new TreeMap<>();
      b.properties().forEach(e -> right.put(e.getKey(), e.getValue()));
      for (var e : left.entrySet()) {
        JsonNode other = right.get(e.getKey());
        if (other == null) {
          if (!(e.getValue().isContainerNode() && e.getValue().isEmpty()) && !e.getValue().isNull()) {
            out.add(at(path + "." + e.getKey()) + ": dropped by the model " + abbreviate(e.getValue()));
          }
        } else {
          diff(path + "." + e.getKey(), e.getValue(), other, out);
        }
      }
      for (String k : right.keySet()) {
        // the model stamps apiVersion/kind on embedded objects (volumeClaimTemplates): harmless
        if (!left.containsKey(k) && !(k.equals("apiVersion") || k.equals("kind"))) {
          out.add(at(path + "." + k) + ": appeared when re-serialized: " + abbreviate(right.get(k)));
        }
      }
      return;
    }
    if (a.isArray()) {
      if (a.size() != b.size()) {
        out.add(at(path) + ": " + a.size() + " items became " + b.size());
        return;
      }
      Iterator<JsonNode> ia = a.elements();
      Iterator<JsonNode> ib = b.elements();
      int i = 0;
      while (ia.hasNext()) {
        diff(path + "[" + i++ + "]", ia.next(), ib.next(), out);
      }
      return;
    }
    if (!a.equals(b)) {
      out.add(at(path) + ": " + abbreviate(a) + " became " + abbreviate(b));
    }
  }

  private static String at(String path) {
    return path.isEmpty() ? "(document)" : path.substring(1);
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
