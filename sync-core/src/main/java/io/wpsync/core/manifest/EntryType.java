package io.wpsync.core.manifest;

/** The kind of a manifest entry. Codes are part of the canonical manifest form: never renumber. */
public enum EntryType {
  FILE('F'),
  DIRECTORY('D'),
  SYMLINK('L');

  private final char code;

  EntryType(char code) {
    this.code = code;
  }

  /** The one-letter code used in the canonical form. */
  public char code() {
    return code;
  }

  /** The type for {@code code}, or {@link IllegalArgumentException}. */
  public static EntryType fromCode(int code) {
    for (EntryType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException(String.format("unknown entry type code 0x%02x", code));
  }
}
