package io.wpsync.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * One rendered object: where it came from, its raw JSON tree and its fabric8 model.
 *
 * @param origin the kustomization it was rendered from, e.g. {@code overlays/production}
 */
record K8sObject(String origin, ObjectNode raw, HasMetadata typed) {
  String kind() {
    return typed.getKind();
  }

  String name() {
    return typed.getMetadata().getName();
  }

  /** The namespace, or "" for cluster-scoped objects. */
  String namespace() {
    String ns = typed.getMetadata().getNamespace();
    return ns == null ? "" : ns;
  }

  /** {@code Kind namespace/name} for messages. */
  String ref() {
    return kind() + " " + (namespace().isEmpty() ? "" : namespace() + "/") + name() + " (" + origin + ")";
  }

  @SuppressWarnings("unchecked")
  <T> T as(Class<T> type) {
    return (T) typed;
  }
}
