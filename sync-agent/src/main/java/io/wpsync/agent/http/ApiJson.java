package io.wpsync.agent.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON mapper of the HTTP APIs: strict on input (unknown fields are an error), plain output. */
public final class ApiJson {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);

  private ApiJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
