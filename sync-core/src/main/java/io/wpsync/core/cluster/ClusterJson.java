package io.wpsync.core.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * JSON (de)serialization of the records kept in ZooKeeper. Unknown fields are ignored so a newer
 * coordinator can add fields without breaking older agents.
 */
public final class ClusterJson {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private ClusterJson() {}

  /** The shared mapper (thread-safe once configured). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] write(Object record) {
    try {
      return MAPPER.writeValueAsBytes(record);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize " + record, e);
    }
  }

  /** Parses {@code data} as {@code type}; an {@link IOException} names the type on bad data. */
  public static <T> T read(byte[] data, Class<T> type) throws IOException {
    if (data == null || data.length == 0) {
      throw new IOException("empty znode data where a " + type.getSimpleName() + " was expected");
    }
    try {
      return MAPPER.readValue(data, type);
    } catch (IOException e) {
      throw new IOException("malformed " + type.getSimpleName() + " in ZooKeeper: " + e.getMessage(), e);
    }
  }
}
