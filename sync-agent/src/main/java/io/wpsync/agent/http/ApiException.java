package io.wpsync.agent.http;

/**
 * An error a route reports to its caller; rendered as {@code application/problem+json} (RFC 9457)
 * with this status, a short {@code title} and a {@code detail} a human can act on.
 */
public class ApiException extends Exception {
  private final int status;
  private final String title;

  public ApiException(int status, String title, String detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(400, "Bad Request", detail);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, "Not Found", detail);
  }

  public static ApiException conflict(String detail) {
    return new ApiException(409, "Conflict", detail);
  }

  public static ApiException unprocessable(String detail) {
    return new ApiException(422, "Unprocessable Content", detail);
  }

  public static ApiException unavailable(String detail) {
    return new ApiException(503, "Service Unavailable", detail);
  }
}
