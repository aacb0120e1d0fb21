package io.wpsync.coordinator.api;

import io.wpsync.agent.http.ApiException;
import io.wpsync.coordinator.leader.NotLeaderException;
import io.wpsync.coordinator.release.BaseConflictException;
import io.wpsync.coordinator.release.BaseUnavailableException;
import io.wpsync.coordinator.release.EmptyReleaseException;
import io.wpsync.coordinator.release.NoSuchReleaseException;
import io.wpsync.coordinator.release.ReplicationTimeoutException;
import io.wpsync.coordinator.rollout.AlreadyCommittedException;
import io.wpsync.coordinator.rollout.NoRollbackTargetException;
import io.wpsync.coordinator.rollout.NoSuchRolloutException;
import io.wpsync.coordinator.rollout.RolloutConflictException;
import io.wpsync.coordinator.rollout.RolloutDecidedException;
import io.wpsync.coordinator.zk.ReleaseStore;
import io.wpsync.core.manifest.UnsafePathException;

/** Maps the coordinator's typed exceptions to HTTP problems; anything else stays a 500. */
final class ApiErrors {
  private ApiErrors() {}

  static ApiException map(Exception e) throws Exception {
    if (e instanceof ApiException a) {
      return a;
    }
    if (e instanceof NoSuchReleaseException || e instanceof NoSuchRolloutException) {
      return ApiException.notFound(e.getMessage());
    }
    if (e instanceof BaseConflictException) {
      return ApiException.conflict(e.getMessage());
    }
    if (e instanceof BaseUnavailableException) {
      return ApiException.unavailable(e.getMessage());
    }
    if (e instanceof RolloutConflictException || e instanceof AlreadyCommittedException
        || e instanceof RolloutDecidedException || e instanceof NoRollbackTargetException) {
      return ApiException.conflict(e.getMessage());
    }
    if (e instanceof UnsafeBundleException || e instanceof EmptyReleaseException) {
      return ApiException.unprocessable(e.getMessage());
    }
    if (e instanceof UnsafePathException) {
      return ApiException.unprocessable("the tree holds an unsafe path: " + e.getMessage());
    }
    if (e instanceof BundleTooLargeException) {
      return new ApiException(413, "Content Too Large", e.getMessage());
    }
    if (e instanceof NotLeaderException || e instanceof ReplicationTimeoutException
        || e instanceof ReleaseStore.LockTimeoutException) {
      return ApiException.unavailable(e.getMessage());
    }
    if (e instanceof IllegalArgumentException) {
      return ApiException.badRequest(e.getMessage());
    }
    throw e;
  }
}
