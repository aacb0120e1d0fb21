package io.wpsync.core.scan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * One glob over '/'-separated relative paths, matched segment by segment.
 *
 * <p>Syntax: {@code *} any run of characters inside one segment (dot files included), {@code ?}
 * one character, {@code [abc]}, {@code [a-z]}, {@code [!abc]} a character class, {@code {a,b}}
 * alternatives, {@code \} escapes the next character, and a whole segment {@code **} any number of
 * segments, zero included (so {@code uploads/**} matches {@code uploads} itself too).
 *
 * <p>Matching runs as a small automaton whose state after a directory is kept by the walker
 * ({@link #start()}, {@link #step}), so each entry costs one step instead of a full match.
 */
final class GlobPattern {
  /** At most 62 segments, so a state set fits in a long with room for the accepting state. */
  static final int MAX_SEGMENTS = 62;

  private final String text;
  private final List<Predicate<String>> segments; // null element = "**"
  private final int accept;

  private GlobPattern(String text, List<Predicate<String>> segments) {
    this.text = text;
    this.segments = segments;
    this.accept = segments.size();
  }

  /** Parses {@code text}; {@link IllegalArgumentException} says what is wrong with it. */
  static GlobPattern compile(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty glob pattern");
    }
    if (text.startsWith("/") || text.endsWith("/")) {
      throw new IllegalArgumentException("glob '" + text
          + "': patterns are relative to the root, without a leading or trailing '/' (write 'dir/**')");
    }
    String[] parts = text.split("/", -1);
    if (parts.length > MAX_SEGMENTS) {
      throw new IllegalArgumentException("glob '" + text + "' has more than " + MAX_SEGMENTS + " segments");
    }
    List<Predicate<String>> segs = new ArrayList<>(parts.length);
    for (String part : parts) {
      switch (part) {
        case "" -> throw new IllegalArgumentException("glob '" + text + "' has an empty segment");
        case ".", ".." -> throw new IllegalArgumentException("glob '" + text + "' has a '" + part + "' segment");
        case "**" -> segs.add(null);
        case "*" -> segs.add(name -> true);
        default -> segs.add(segmentMatcher(text, part));
      }
    }
    return new GlobPattern(text, Collections.unmodifiableList(segs));
  }

  private static Predicate<String> segmentMatcher(String text, String part) {
    StringBuilder re = new StringBuilder();
    StringBuilder run = new StringBuilder(); // literal characters not yet quoted
    boolean wild = false;
    int braces = 0;
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '\\') {
        if (i + 1 >= part.length()) {
          throw new IllegalArgumentException("glob '" + text + "' ends with a lone '\\'");
        }
        run.append(part.charAt(++i));
        continue;
      }
      boolean special = c == '*' || c == '?' || c == '[' || c == '{' || (braces > 0 && (c == ',' || c == '}'));
      if (!special) {
        run.append(c);
        continue;
      }
      flush(re, run);
      wild = true;
      switch (c) {
        case '*' -> {
          re.append(".*");
          while (i + 1 < part.length() && part.charAt(i + 1) == '*') {
            i++;
          }
        }
        case '?' -> re.append('.');
        case '[' -> {
          int end = part.indexOf(']', i + 2);
          if (end < 0) {
            throw new IllegalArgumentException("glob '" + text + "': unclosed '['");
          }
          String body = part.substring(i + 1, end);
          re.append('[');
          if (body.startsWith("!") || body.startsWith("^")) {
            re.append('^');
            body = body.substring(1);
          }
          for (int k = 0; k < body.length(); k++) {
            char b = body.charAt(k);
            re.append(b == '-' || Character.isLetterOrDigit(b) || Character.isSurrogate(b) ? String.valueOf(b) : "\\" + b);
          }
          re.append(']');
          i = end;
        }
        case '{' -> {
          braces++;
          re.append("(?:");
        }
        case ',' -> re.append('|');
        default -> { // '}' closing a group
          braces--;
          re.append(')');
        }
      }
    }
    if (braces != 0) {
      throw new IllegalArgumentException("glob '" + text + "': unclosed '{'");
    }
    if (!wild) {
      String literal = run.toString();
      return literal::equals;
    }
    Predicate<String> simple = simpleStar(part);
    if (simple != null) {
      return simple;
    }
    flush(re, run);
    Pattern p = Pattern.compile(re.toString(), Pattern.DOTALL);
    return name -> p.matcher(name).matches();
  }

  /** {@code *.log}, {@code wp-*}, {@code *cache*}: plain string tests instead of a regex. */
  private static Predicate<String> simpleStar(String part) {
    int first = part.indexOf('*');
    int last = part.lastIndexOf('*');
    for (char c : new char[] {'?', '[', '{', '\\', ','}) {
      if (part.indexOf(c) >= 0) {
        return null;
      }
    }
    if (first == 0 && last == 0) {
      String suffix = part.substring(1);
      return name -> name.endsWith(suffix);
    }
    if (first == part.length() - 1) {
      String prefix = part.substring(0, first);
      return name -> name.startsWith(prefix);
    }
    if (first == 0 && last == part.length() - 1 && part.indexOf('*', 1) == last) {
      String middle = part.substring(1, last);
      return name -> name.contains(middle);
    }
    return null;
  }

  private static void flush(StringBuilder re, StringBuilder run) {
    if (run.length() > 0) {
      re.append(Pattern.quote(run.toString()));
      run.setLength(0);
    }
  }

  /** The state before any segment. */
  long start() {
    return closure(1L);
  }

  /** The state after one more segment {@code name}; 0 means nothing below can match. */
  long step(long state, String name) {
    long next = 0;
    for (int i = 0; i < accept; i++) {
      if ((state & (1L << i)) == 0) {
        continue;
      }
      Predicate<String> seg = segments.get(i);
      if (seg == null) {
        next |= 1L << i;
      } else if (seg.test(name)) {
        next |= 1L << (i + 1);
      }
    }
    return closure(next);
  }

  private long closure(long state) {
    for (int i = 0; i < accept; i++) {
      if ((state & (1L << i)) != 0 && segments.get(i) == null) {
        state |= 1L << (i + 1);
      }
    }
    return state;
  }

  /** The path consumed so far matches the whole pattern. */
  boolean accepts(long state) {
    return (state & (1L << accept)) != 0;
  }

  /** Some path strictly below the one consumed so far could match. */
  boolean reachesBelow(long state) {
    return (state & ((1L << accept) - 1)) != 0;
  }

  /** Whole-path match, for callers that hold a plain path. */
  boolean matches(String path) {
    long state = start();
    for (String s : path.split("/", -1)) {
      state = step(state, s);
      if (state == 0) {
        return false;
      }
    }
    return accepts(state);
  }

  @Override
  public String toString() {
    return text;
  }
}
