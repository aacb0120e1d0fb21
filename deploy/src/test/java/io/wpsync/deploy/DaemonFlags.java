package io.wpsync.deploy;

import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --flag=value} arguments of a daemon container (repeatable flags keep their last value). */
final class DaemonFlags {
  private DaemonFlags() {}

  /** Flag name to raw value (before {@code $(VAR)} expansion); "" for a flag without a value. */
  static Map<String, String> of(Container c) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> args = c.getArgs();
    for (int i = 1; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--")) {
        continue;
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        out.put(a.substring(0, eq), a.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        out.put(a, args.get(++i));
      } else {
        out.put(a, "");
      }
    }
    return out;
  }

  /** Every value of a repeatable flag such as {@code --link}. */
  static List<String> all(Container c, String flag) {
    List<String> out = new ArrayList<>();
    List<String> args = c.getArgs();
    for (int i = 1; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith(flag + "=")) {
        out.add(a.substring(flag.length() + 1));
      } else if (a.equals(flag) && i + 1 < args.size()) {
        out.add(args.get(++i));
      }
    }
    return out;
  }
}
