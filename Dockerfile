# syntax=docker/dockerfile:1
# wpsync: one image for both daemons and the admin CLI (`agent`, `coordinator`, `release`, ...).
#
#   docker build -t registry.example.com/wpsync:0.1.0 .
#   docker run --rm registry.example.com/wpsync:0.1.0 agent --help
#
# Stage 1 builds the shaded jar with Maven; stage 2 is a JRE with the jar, curl (for the node gate
# script of deploy/base/agent) and nothing to build with. See docs/install-kubernetes.md.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds (BuildKit); tests run in CI, not here.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -DskipTests -pl sync-cli -am package \
 && cp sync-cli/target/wpsync.jar /wpsync.jar

FROM eclipse-temurin:17-jre
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends curl; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 wpsync; \
    useradd --system --uid 10001 --gid wpsync --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin wpsync
COPY --from=build --chown=root:root --chmod=0444 /wpsync.jar /opt/wpsync/wpsync.jar
# File names are UTF-8 on the wire and in manifests: the JVM decodes them by the locale.
ENV LC_ALL=C.UTF-8
# The manifests run it as uid 33 (agent: the web server's user) or 10001 (coordinator); any non-root uid works.
USER 10001:10001
EXPOSE 7070 7071 8080 8081
# Container-aware JVM: the heap is a share of the container's memory limit (the rest is metaspace,
# thread stacks and Netty's direct buffers) and the JVM exits on OOM so the kubelet restarts a clean
# process. They sit in JDK_JAVA_OPTIONS (read by the `java` launcher, which notes it on stderr) so a
# manifest can replace them per daemon; the manifests under deploy/ set it explicitly.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
# java.io.tmpdir is /tmp: an emptyDir under the manifests' read-only root filesystem (Netty unpacks
# its native transport library there).
ENTRYPOINT ["java", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/wpsync/wpsync.jar"]
CMD ["--help"]
