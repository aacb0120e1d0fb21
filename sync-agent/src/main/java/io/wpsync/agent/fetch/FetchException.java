package io.wpsync.agent.fetch;

import java.io.IOException;

/** A download could not finish: no peer holds a missing piece, a timeout, or a bad manifest. */
public class FetchException extends IOException {
  public FetchException(String message) {
    super(message);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause);
  }
}
