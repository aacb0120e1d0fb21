package io.wpsync.cli.admin;

/**
 * A coordinator API call that failed: the HTTP status (0 when the server could not be reached) and
 * the problem's detail, ready to show to the operator.
 */
public class AdminException extends Exception {
  private final int status;

  public AdminException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
