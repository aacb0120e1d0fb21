<?php
/**
 * wpsync mu-plugin: what the admin page and `wp wpsync` show, and "capture now".
 *
 * wpsync_status() gathers everything in one array; each part (pod, cluster, rollout, releases,
 * conflicts) is fetched independently and carries its own error, so one unreachable daemon never
 * hides what the others said. Nothing here can change what the cluster serves: the token is
 * capture-scoped (read, and "capture now" on this pod's agent).
 */

if (!defined('ABSPATH') && !defined('WPSYNC_TESTING')) {
    exit;
}

/** Releases listed on the page. */
const WPSYNC_RECENT_RELEASES = 10;

/**
 * @return array{
 *   request_release: ?string, pod: ?array, pod_error: ?string, cluster: ?array, cluster_error: ?string,
 *   rollout: ?array, rollout_error: ?string, releases: array, committed: ?string, releases_error: ?string,
 *   conflicts: array, conflicts_error: ?string
 * }
 */
function wpsync_status(?array $cfg = null): array
{
    $cfg = $cfg ?? wpsync_config();
    $s = [
        'request_release' => defined('WPSYNC_RELEASE') ? WPSYNC_RELEASE : null,
        'pod' => null, 'pod_error' => null,
        'cluster' => null, 'cluster_error' => null,
        'rollout' => null, 'rollout_error' => null,
        'releases' => [], 'committed' => null, 'releases_error' => null,
        'conflicts' => [], 'conflicts_error' => null,
    ];

    $pod = wpsync_http('GET', $cfg['agent_url'] . '/status', '', $cfg['timeout']);
    if ($pod['error'] === null && $pod['json'] !== null) {
        $s['pod'] = $pod['json'];
    } else {
        $s['pod_error'] = 'local agent: ' . ($pod['error'] ?? 'unreadable answer');
    }

    $cluster = wpsync_coordinator_get($cfg, '/api/v1/status');
    if ($cluster['error'] !== null || $cluster['json'] === null) {
        $s['cluster_error'] = 'coordinator: ' . ($cluster['error'] ?? 'unreadable answer');
        foreach (['rollout_error', 'releases_error', 'conflicts_error'] as $k) {
            $s[$k] = $s['cluster_error'];
        }
        return $s;
    }
    $s['cluster'] = $cluster['json'];
    $s['committed'] = $cluster['json']['committed']['releaseId'] ?? null;

    // The rollout in progress, else the most recent one (so the page shows how the last one ended).
    $active = $cluster['json']['activeRollout'] ?? null;
    if ($active === null) {
        $list = wpsync_coordinator_get($cfg, '/api/v1/rollouts');
        $active = $list['json']['rollouts'][0]['id'] ?? null;
        if ($list['error'] !== null) {
            $s['rollout_error'] = 'coordinator: ' . $list['error'];
        }
    }
    if ($active !== null) {
        $r = wpsync_coordinator_get($cfg, '/api/v1/rollouts/' . rawurlencode($active));
        if ($r['error'] === null && $r['json'] !== null) {
            $s['rollout'] = $r['json'];
        } else {
            $s['rollout_error'] = 'coordinator: ' . ($r['error'] ?? 'unreadable answer');
        }
    }

    $rel = wpsync_coordinator_get($cfg, '/api/v1/releases');
    if ($rel['error'] === null && $rel['json'] !== null) {
        $s['releases'] = array_slice($rel['json']['releases'] ?? [], 0, WPSYNC_RECENT_RELEASES);
        $s['committed'] = $rel['json']['committed'] ?? $s['committed'];
    } else {
        $s['releases_error'] = 'coordinator: ' . ($rel['error'] ?? 'unreadable answer');
    }

    $prop = wpsync_coordinator_get($cfg, '/api/v1/proposals');
    if ($prop['status'] === 404) {
        $s['conflicts_error'] = 'this coordinator has no local-change proposals (capture is not enabled)';
    } elseif ($prop['error'] === null && $prop['json'] !== null) {
        foreach ($prop['json']['proposals'] ?? [] as $p) {
            if (in_array($p['state'] ?? '', ['CONFLICT', 'PENDING', 'FAILED'], true)) {
                $s['conflicts'][] = $p;
            }
        }
    } else {
        $s['conflicts_error'] = 'coordinator: ' . ($prop['error'] ?? 'unreadable answer');
    }
    return $s;
}

/**
 * Asks this pod's agent to capture the live tree now (instead of waiting for its file watcher).
 *
 * @return array{ok: bool, outcome: string, message: string}
 */
function wpsync_capture_now(?array $cfg = null): array
{
    $cfg = $cfg ?? wpsync_config();
    if ($cfg['token'] === '') {
        return ['ok' => false, 'outcome' => 'no-token',
            'message' => 'no capture token configured (WPSYNC_TOKEN or WPSYNC_TOKEN_FILE); the agent still captures on its own'];
    }
    $r = wpsync_http('POST', $cfg['agent_url'] . '/api/v1/capture', $cfg['token'], max($cfg['timeout'], 5.0), '{}');
    if ($r['error'] !== null) {
        return ['ok' => false, 'outcome' => $r['status'] === 0 ? 'unreachable' : 'refused', 'message' => $r['error']];
    }
    $outcome = (string) ($r['json']['outcome'] ?? 'unknown');
    $message = match ($outcome) {
        'no-change' => 'nothing changed since the last capture',
        'proposed' => 'proposed as ' . ($r['json']['proposal']['id'] ?? 'a new proposal')
            . (isset($r['json']['proposal']['state']) ? ' (' . $r['json']['proposal']['state'] . ')' : ''),
        'busy' => 'a capture is already running; it will include this change',
        default => (string) ($r['json']['detail'] ?? $outcome),
    };
    return ['ok' => true, 'outcome' => $outcome, 'message' => $message];
}

/** The command an admin runs (with an admin token, outside WordPress) to roll back to $release. */
function wpsync_rollback_command(string $release): string
{
    return 'wpsync rollback ' . $release . ' --wait';
}

/** The command an admin runs to settle a proposal that waits for one (conflict, pending, failed). */
function wpsync_proposal_command(array $p): string
{
    $id = (string) ($p['id'] ?? '?');
    return ($p['state'] ?? '') === 'CONFLICT'
        ? "wpsync proposal resolve $id --keep proposal|committed"
        : "wpsync proposal approve $id   (or: wpsync proposal reject $id)";
}

/** One line per fact, for `wp wpsync status` (and the tests). */
function wpsync_status_lines(array $s): array
{
    $lines = [];
    $lines[] = 'this request:   ' . ($s['request_release'] ?? '(wp-config-wpsync.php not loaded)');
    if ($s['pod'] !== null) {
        $p = $s['pod'];
        $lines[] = sprintf('pod agent:      %s, mode %s, current %s, committed %s, %s%s', $p['id'] ?? '?', $p['mode'] ?? '?',
            $p['current'] ?? '-', $p['committed'] ?? '-', !empty($p['ready']) ? 'ready' : 'NOT ready',
            !empty($p['readyReason']) ? ' (' . $p['readyReason'] . ')' : '');
        if (!empty($p['staged'])) {
            $lines[] = 'staged:         ' . $p['staged'] . (!empty($p['stagedFor']) ? ' for ' . $p['stagedFor'] : '');
        }
    } else {
        $lines[] = 'pod agent:      unavailable: ' . $s['pod_error'];
    }
    if ($s['cluster'] !== null) {
        $lines[] = 'cluster:        committed ' . ($s['committed'] ?? '-') . ', leader ' . ($s['cluster']['leaderId'] ?? '?')
            . ', ' . ($s['cluster']['agents'] ?? 0) . ' agents'
            . (!empty($s['cluster']['activeRollout']) ? ', rollout ' . $s['cluster']['activeRollout'] . ' in progress' : '');
    } else {
        $lines[] = 'cluster:        unavailable: ' . $s['cluster_error'];
    }
    if ($s['conflicts'] !== []) {
        $lines[] = 'needs an admin: ' . implode(', ', array_map(
            static fn($p) => ($p['id'] ?? '?') . ' ' . ($p['state'] ?? '?'), $s['conflicts']));
    }
    return $lines;
}

/** The rollout in progress (or the last one) with one line per agent, for `wp wpsync rollout`. */
function wpsync_rollout_lines(array $s): array
{
    $r = $s['rollout'];
    if ($r === null) {
        return [$s['rollout_error'] !== null ? 'rollout: unavailable: ' . $s['rollout_error'] : 'no rollout yet'];
    }
    $lines = [sprintf('rollout %s: %s%s -> %s, %s%s', $r['id'] ?? '?', !empty($r['rollback']) ? 'rollback ' : '',
        $r['previous'] ?? '-', $r['target'] ?? '?', $r['state'] ?? '?',
        !empty($r['reason']) ? ' (' . $r['reason'] . ')' : '')];
    foreach ($r['agents'] ?? [] as $a) {
        $progress = '';
        if (!empty($a['progress']['bytesTotal'])) {
            $progress = sprintf(' %d%% of %s bytes', (int) floor(100 * $a['progress']['bytesDone'] / $a['progress']['bytesTotal']),
                number_format((float) $a['progress']['bytesTotal']));
        }
        $lines[] = sprintf('  %-20s %-9s%s%s%s', $a['id'] ?? '?', $a['state'] ?? '?', $progress,
            isset($a['alive']) && !$a['alive'] ? ' (gone)' : '', !empty($a['reason']) ? ' ' . $a['reason'] : '');
    }
    if (isset($r['switchSkewMillis'])) {
        $lines[] = '  switch skew ' . $r['switchSkewMillis'] . ' ms';
    }
    return $lines;
}
