<?php
/**
 * wpsync mu-plugin: the Network Admin page (Network Admin → wpsync) and the hooks that ask the local
 * agent to capture a code change at once.
 *
 * wpsync_render_page() is pure (status array in, HTML out) so it is tested without WordPress; the
 * WordPress glue below only registers it. Rollback is shown as the command to run, not as a button:
 * a rollback is a rollout of code and needs an admin token, which a WordPress pod never holds.
 */

if (!defined('ABSPATH') && !defined('WPSYNC_TESTING')) {
    exit;
}

function wpsync_h($v): string
{
    return htmlspecialchars((string) $v, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function wpsync_time($millis): string
{
    return $millis ? gmdate('Y-m-d H:i:s', (int) ($millis / 1000)) . ' UTC' : '-';
}

/** A notice box; $kind is error, warning, success or info (WordPress admin classes). */
function wpsync_notice(string $kind, string $text): string
{
    return '<div class="notice notice-' . wpsync_h($kind) . ' inline"><p>' . wpsync_h($text) . '</p></div>';
}

/** The whole page body. $capture is the result of a "capture now" just made, if any. */
function wpsync_render_page(array $s, ?array $capture = null, string $captureForm = ''): string
{
    $o = '<div class="wrap wpsync"><h1>wpsync</h1>';
    if ($capture !== null) {
        $o .= wpsync_notice($capture['ok'] ? 'success' : 'error', 'Capture now: ' . $capture['message']);
    }

    // This pod
    $o .= '<h2>This pod</h2>';
    $p = $s['pod'];
    $o .= '<table class="widefat striped wpsync-pod"><tbody>';
    $o .= '<tr><th>Release serving this request</th><td><code>' . wpsync_h($s['request_release'] ?? 'unknown') . '</code></td></tr>';
    if ($p !== null) {
        $o .= '<tr><th>Agent</th><td>' . wpsync_h($p['id'] ?? '?') . ' (mode ' . wpsync_h($p['mode'] ?? '?') . ')</td></tr>';
        $o .= '<tr><th>Current release</th><td><code class="wpsync-current">' . wpsync_h($p['current'] ?? '-') . '</code></td></tr>';
        $o .= '<tr><th>Committed release</th><td><code class="wpsync-committed">' . wpsync_h($p['committed'] ?? '-') . '</code></td></tr>';
        $o .= '<tr><th>Ready</th><td>' . (!empty($p['ready']) ? 'yes' : '<strong>no</strong>')
            . (!empty($p['readyReason']) ? ': ' . wpsync_h($p['readyReason']) : '') . '</td></tr>';
        if (!empty($p['lastError'])) {
            $o .= '<tr><th>Last error</th><td>' . wpsync_h($p['lastError']) . '</td></tr>';
        }
    }
    $o .= '</tbody></table>';
    if ($p === null) {
        $o .= wpsync_notice('error', $s['pod_error'] . ' — pages are still served from the release on disk.');
    }
    $o .= $captureForm;

    if ($s['cluster'] === null) {
        $o .= wpsync_notice('warning', $s['cluster_error']);
        return $o . '</div>';
    }

    // Rollout
    $r = $s['rollout'];
    $o .= '<h2>Rollout</h2>';
    if ($r === null) {
        $o .= '<p>' . wpsync_h($s['rollout_error'] ?? 'No rollout yet.') . '</p>';
    } else {
        $inProgress = ($r['state'] ?? '') === 'PREPARING';
        $o .= '<p class="wpsync-rollout">' . ($inProgress ? '<strong>In progress:</strong> ' : 'Last: ')
            . wpsync_h($r['id'] ?? '?') . ' — ' . (!empty($r['rollback']) ? 'rollback ' : '')
            . '<code>' . wpsync_h($r['previous'] ?? '-') . '</code> → <code>' . wpsync_h($r['target'] ?? '?') . '</code>, '
            . wpsync_h($r['state'] ?? '?') . (!empty($r['reason']) ? ' (' . wpsync_h($r['reason']) . ')' : '')
            . (isset($r['switchSkewMillis']) ? ', switch skew ' . wpsync_h($r['switchSkewMillis']) . ' ms' : '') . '</p>';
        $o .= '<table class="widefat striped wpsync-agents"><thead><tr><th>Agent</th><th>State</th><th>Progress</th><th>Note</th></tr></thead><tbody>';
        foreach ($r['agents'] ?? [] as $a) {
            $progress = '';
            if (!empty($a['progress']['bytesTotal'])) {
                $pct = (int) floor(100 * $a['progress']['bytesDone'] / $a['progress']['bytesTotal']);
                $progress = '<progress max="100" value="' . $pct . '"></progress> ' . $pct . '%';
            }
            $o .= '<tr><td>' . wpsync_h($a['id'] ?? '?') . '</td><td>' . wpsync_h($a['state'] ?? '?') . '</td><td>' . $progress
                . '</td><td>' . wpsync_h(trim((isset($a['alive']) && !$a['alive'] ? 'gone ' : '') . ($a['reason'] ?? ''))) . '</td></tr>';
        }
        $o .= '</tbody></table>';
        if ($inProgress) {
            $o .= '<script>setTimeout(function () { location.reload(); }, 3000);</script>';
        }
    }

    // Releases
    $o .= '<h2>Recent releases</h2>';
    if ($s['releases_error'] !== null) {
        $o .= wpsync_notice('warning', $s['releases_error']);
    } else {
        $o .= '<p>Rolling back is a rollout of code and needs an <em>admin</em> token. This site holds only a '
            . '<em>capture</em> token on purpose: a compromised WordPress pod must not be able to roll out code. '
            . 'Run the command shown from an admin workstation (<code>WPSYNC_SERVER</code> and <code>WPSYNC_TOKEN</code> set). '
            . 'Rollback restores files, not database changes a plugin update may have made.</p>';
        $o .= '<table class="widefat striped wpsync-releases"><thead><tr><th>Release</th><th>Created</th><th>Message</th><th>Files</th><th>Roll back</th></tr></thead><tbody>';
        foreach ($s['releases'] as $rel) {
            $id = (string) ($rel['id'] ?? '?');
            $isCommitted = $id === $s['committed'];
            $o .= '<tr><td><code>' . wpsync_h($id) . '</code>' . ($isCommitted ? ' <strong>committed</strong>' : '') . '</td><td>'
                . wpsync_h(wpsync_time($rel['createdAt'] ?? 0)) . '</td><td>' . wpsync_h($rel['message'] ?? '')
                . (!empty($rel['author']) ? ' — ' . wpsync_h($rel['author']) : '') . '</td><td>' . wpsync_h($rel['fileCount'] ?? '')
                . '</td><td>' . ($isCommitted ? '' : '<code class="wpsync-rollback">' . wpsync_h(wpsync_rollback_command($id)) . '</code>') . '</td></tr>';
        }
        $o .= '</tbody></table>';
    }

    // Local changes needing an admin
    $o .= '<h2>Local changes waiting for an admin</h2>';
    if ($s['conflicts_error'] !== null) {
        $o .= '<p>' . wpsync_h($s['conflicts_error']) . '</p>';
    } elseif ($s['conflicts'] === []) {
        $o .= '<p>None: no conflicting or pending local change.</p>';
    } else {
        $o .= '<table class="widefat striped wpsync-conflicts"><thead><tr><th>Proposal</th><th>From</th><th>State</th><th>Why</th><th>Paths</th><th>Settle it</th></tr></thead><tbody>';
        foreach ($s['conflicts'] as $c) {
            $o .= '<tr><td><code>' . wpsync_h($c['id'] ?? '?') . '</code></td><td>' . wpsync_h($c['agentId'] ?? '?') . '</td><td>'
                . wpsync_h($c['state'] ?? '?') . '</td><td>' . wpsync_h($c['reason'] ?? '') . '</td><td>'
                . wpsync_h(implode(', ', array_slice($c['conflictPaths'] ?? [], 0, 10))) . '</td><td><code class="wpsync-settle">'
                . wpsync_h(wpsync_proposal_command($c)) . '</code></td></tr>';
        }
        $o .= '</tbody></table><p>An admin settles them with an admin token, outside WordPress (the commands shown, '
            . 'or <code>POST /api/v1/proposals/{id}/approve|reject|resolve</code>); nothing is dropped meanwhile.</p>';
    }
    return $o . '</div>';
}

// ---- WordPress glue (only inside WordPress) ----

/** Code changes seen in this request; captured once, after the response (shutdown). */
function wpsync_code_changed(...$ignored): void
{
    if (empty($GLOBALS['wpsync_capture_queued'])) {
        $GLOBALS['wpsync_capture_queued'] = true;
        add_action('shutdown', 'wpsync_capture_queued', 0);
    }
}

function wpsync_capture_queued(): void
{
    if (function_exists('fastcgi_finish_request')) {
        fastcgi_finish_request();
    }
    $r = wpsync_capture_now();
    $GLOBALS['wpsync_last_capture'] = $r;
    if (!$r['ok'] && $r['outcome'] !== 'no-token') {
        error_log('wpsync: capture now: ' . $r['message']);
    }
}

function wpsync_admin_page(): void
{
    $capture = null;
    if (isset($_POST['wpsync_capture']) && check_admin_referer('wpsync-capture')) {
        $capture = wpsync_capture_now();
    }
    $form = '<form method="post">' . wp_nonce_field('wpsync-capture', '_wpnonce', true, false)
        . '<p><button class="button" name="wpsync_capture" value="1">Capture local changes now</button></p></form>';
    echo wpsync_render_page(wpsync_status(), $capture, $form); // escaped inside
}

function wpsync_register_hooks(): void
{
    add_action('network_admin_menu', static function () {
        add_menu_page('wpsync', 'wpsync', 'manage_network_options', 'wpsync', 'wpsync_admin_page', 'dashicons-update', 3);
    });
    // Files changed through wp-admin: ask the agent to capture now instead of waiting for its watcher.
    add_action('upgrader_process_complete', 'wpsync_code_changed', 10, 2);
    add_action('deleted_plugin', 'wpsync_code_changed', 10, 2);
    add_action('deleted_theme', 'wpsync_code_changed', 10, 2);
    add_action('switch_theme', 'wpsync_code_changed', 10, 3);
}
