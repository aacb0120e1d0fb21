package io.wpsync.agent.http;

/** The logic of one HTTP route. Runs on a worker thread, never on the event loop: it may block. */
@FunctionalInterface
public interface Route {
  ApiResponse handle(ApiRequest request) throws Exception;
}
