package io.wpsync.faults.bed;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cleanup of last resort: a small shell process, in its own session so it outlives the test
 * JVM, that waits for that JVM to end and then kills whatever still runs in this run's namespaces,
 * deletes them and unmounts this run's tmpfs mounts. A normal end (or a failed test) is cleaned up
 * by {@link FaultBed#close()} and the shutdown hook; this covers a JVM that was SIGKILLed (e.g. by
 * Failsafe's fork timeout), whose hooks never run. It gives up after two hours.
 */
final class Reaper {
  private Reaper() {}

  static void start(String runId, Path dir) throws IOException {
    long pid = ProcessHandle.current().pid();
    Path script = dir.resolve("reaper.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "# started by the fault test bed: cleans up after JVM " + pid + " once it is gone",
        "end=$(( $(date +%s) + 7200 ))",
        "while kill -0 " + pid + " 2>/dev/null && [ $(date +%s) -lt $end ]; do sleep 2; done",
        "for ns in $(ip netns list | awk '{print $1}' | grep '^" + runId + "-'); do",
        "  for p in $(ip netns pids \"$ns\"); do kill -9 \"$p\" 2>/dev/null; done",
        "done",
        "sleep 1",
        "for ns in $(ip netns list | awk '{print $1}' | grep '^" + runId + "-'); do ip netns del \"$ns\"; done",
        "awk '$1 == \"" + runId + "-tmpfs\" {print $2}' /proc/self/mounts | while read -r m; do umount -l \"$m\"; done",
        ""));
    new ProcessBuilder(List.of("setsid", "sh", script.toString()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/reaper.log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
  }
}
