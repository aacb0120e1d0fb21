package io.wpsync.agent;

/**
 * A {@code HOST:PORT} listen or connect address as given on the command line. IPv6 hosts are
 * written in brackets ({@code [::1]:7070}); port 0 asks the system for a free port.
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " outside 0..65535");
    }
  }

  /** Parses {@code HOST:PORT}; the message of the exception says what is wrong and shows an example. */
  public static HostPort parse(String text) {
    String t = text == null ? "" : text.strip();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT such as 127.0.0.1:7070, got '" + text + "'");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("write an IPv6 host in brackets, e.g. [::1]:7070, got '" + text + "'");
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port of '" + text + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port of '" + text + "' outside 0..65535");
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("expected HOST:PORT such as 127.0.0.1:7070, got '" + text + "'");
    }
    return new HostPort(host, port);
  }

  /** True for 0.0.0.0 and ::, which listen on every interface and cannot be advertised. */
  public boolean isWildcard() {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
