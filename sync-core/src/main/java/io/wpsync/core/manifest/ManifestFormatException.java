package io.wpsync.core.manifest;

/** Bytes that are not a well-formed canonical manifest (truncated, unsorted, bad magic, ...). */
public class ManifestFormatException extends Exception {
  public ManifestFormatException(String message) {
    super(message);
  }

  public ManifestFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
