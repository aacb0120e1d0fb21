package io.wpsync.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rendered and parsed kustomizations, cached per test run (rendering is the slow part). A "set" may
 * combine several kustomizations that are applied together, e.g. {@code overlays/production +
 * base/wordpress-example} as docs/install-kubernetes.md applies them.
 */
final class Rendered {
  /** A rendered set and the problems found while parsing it. */
  record Result(ManifestSet set, List<String> problems) {}

  private static final Map<String, Result> CACHE = new ConcurrentHashMap<>();

  /** The sets applied on a real cluster: every overlay, and production with the WordPress example. */
  static final List<String> DEPLOYABLE = List.of(
      "overlays/production",
      "overlays/existing-zookeeper",
      "overlays/sidecar",
      "overlays/live-mode",
      "overlays/production+base/wordpress-example");

  private Rendered() {}

  /** Renders and parses {@code spec}: one kustomization dir, or several joined with '+'. */
  static Result of(String spec) {
    return CACHE.computeIfAbsent(spec, Rendered::load);
  }

  private static Result load(String spec) {
    List<String> problems = new ArrayList<>();
    List<K8sObject> objects = new ArrayList<>();
    try {
      for (String dir : spec.split("\\+")) {
        objects.addAll(ModelParser.parse(dir, Kustomize.render(dir), problems));
      }
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot render " + spec + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    Set<String> seen = new HashSet<>();
    for (K8sObject o : objects) {
      String key = o.kind() + " " + o.namespace() + "/" + o.name();
      if (!seen.add(key)) {
        problems.add(spec + ": " + key + " is rendered twice");
      }
    }
    return new Result(new ManifestSet(objects), problems);
  }
}
