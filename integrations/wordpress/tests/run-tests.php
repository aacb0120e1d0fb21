<?php
/**
 * Tests of the wpsync mu-plugin's functions with plain `php` (no WordPress, no PHPUnit), against a
 * real agent and coordinator. MuPluginFunctionsIT starts them and sets:
 *   WPSYNC_TEST_AGENT_URL       a read-only agent
 *   WPSYNC_TEST_COORDINATOR_URL the coordinator
 *   WPSYNC_TEST_TOKEN           a capture-scoped token both accept
 *   WPSYNC_TEST_CURRENT         the release the agent serves (committed)
 *   WPSYNC_TEST_OLD_RELEASE     an earlier release, whose message is hostile HTML
 *   WPSYNC_TEST_ROLLOUT         the last rollout's id
 *   WPSYNC_TEST_DEAD_URL        a URL where nothing listens
 *   WPSYNC_TEST_LIVE_AGENT_URL  optional: a live agent (capture available)
 * Prints one line per test and "N passed, N failed"; exits 1 if any failed.
 */

define('WPSYNC_TESTING', true);

// WordPress stand-ins that record what the plugin registers.
$GLOBALS['recorded_actions'] = [];
function add_action($hook, $callback, $priority = 10, $args = 1)
{
    $GLOBALS['recorded_actions'][] = [$hook, $callback, $priority, $args];
}
define('WP_CLI', true);
final class WP_CLI
{
    public static array $commands = [];
    public static array $out = [];
    public static function add_command($name, $class) { self::$commands[$name] = $class; }
    public static function line($s) { self::$out[] = $s; }
    public static function warning($s) { self::$out[] = "Warning: $s"; }
    public static function success($s) { self::$out[] = "Success: $s"; }
    public static function error($s) { self::$out[] = "Error: $s"; }
}

require __DIR__ . '/../wpsync.php';

$env = static function (string $k, bool $required = true): string {
    $v = getenv($k);
    if (($v === false || $v === '') && $required) {
        fwrite(STDERR, "missing environment variable $k\n");
        exit(2);
    }
    return $v === false ? '' : $v;
};
$agent = $env('WPSYNC_TEST_AGENT_URL');
$coordinator = $env('WPSYNC_TEST_COORDINATOR_URL');
$token = $env('WPSYNC_TEST_TOKEN');
$current = $env('WPSYNC_TEST_CURRENT');
$old = $env('WPSYNC_TEST_OLD_RELEASE');
$rollout = $env('WPSYNC_TEST_ROLLOUT');
$dead = $env('WPSYNC_TEST_DEAD_URL');
$live = $env('WPSYNC_TEST_LIVE_AGENT_URL', false);

$cfg = ['agent_url' => $agent, 'coordinator_url' => $coordinator, 'token' => $token, 'timeout' => 2.0];

$passed = 0;
$failed = 0;
function check(bool $ok, string $what): void
{
    if (!$ok) {
        throw new RuntimeException($what);
    }
}
function test(string $name, callable $body): void
{
    global $passed, $failed;
    try {
        $body();
        $passed++;
        echo "ok   $name\n";
    } catch (Throwable $e) {
        $failed++;
        echo "FAIL $name: " . $e->getMessage() . "\n";
    }
}

test('configuration comes from the environment; an admin line of a token file is never used', function () use ($token) {
    putenv('WPSYNC_AGENT_URL=http://127.0.0.1:9/');
    putenv('WPSYNC_TOKEN=');
    $f = tempnam(sys_get_temp_dir(), 'wpsync');
    file_put_contents($f, "# tokens\nadmin secret-admin-token\ncapture $token\n");
    putenv("WPSYNC_TOKEN_FILE=$f");
    $c = wpsync_config();
    unlink($f);
    check($c['agent_url'] === 'http://127.0.0.1:9', 'agent url trimmed: ' . $c['agent_url']);
    check($c['token'] === $token, 'capture token from the file, got ' . $c['token']);
    check(wpsync_token_from_file("admin only-admin\n") === '', 'an admin-only file gives no token');
    check(wpsync_token_from_file("bare-token\n") === 'bare-token', 'a bare token');
});

test('status shows the pod, the committed release, the last rollout and the releases', function () use ($cfg, $current, $old, $rollout) {
    $s = wpsync_status($cfg);
    check($s['pod_error'] === null && $s['cluster_error'] === null, 'errors: ' . json_encode([$s['pod_error'], $s['cluster_error']]));
    check($s['pod']['current'] === $current, 'pod current ' . json_encode($s['pod']['current']));
    check($s['pod']['committed'] === $current, 'pod committed ' . json_encode($s['pod']['committed']));
    check($s['committed'] === $current, 'cluster committed ' . json_encode($s['committed']));
    check($s['rollout']['id'] === $rollout && $s['rollout']['state'] === 'COMMITTED', 'rollout ' . json_encode($s['rollout']));
    check(count($s['rollout']['agents']) >= 1 && $s['rollout']['agents'][0]['state'] === 'SWITCHED', 'per-agent state');
    $ids = array_column($s['releases'], 'id');
    check(in_array($current, $ids, true) && in_array($old, $ids, true), 'releases ' . json_encode($ids));
    $lines = implode("\n", wpsync_status_lines($s));
    check(strpos($lines, "current $current, committed $current, ready") !== false, $lines);
});

test('an unreachable agent degrades to a message; the cluster part still answers', function () use ($cfg, $dead, $current) {
    $s = wpsync_status(['agent_url' => $dead] + $cfg);
    check($s['pod'] === null, 'no pod');
    check(strpos($s['pod_error'], "cannot reach $dead/status") !== false, $s['pod_error']);
    check($s['committed'] === $current, 'cluster still read');
    $html = wpsync_render_page($s);
    check(strpos($html, 'pages are still served from the release on disk') !== false, 'page explains');
    check(strpos(implode("\n", wpsync_status_lines($s)), 'pod agent:      unavailable: local agent: cannot reach') !== false, 'cli line');
});

test('no coordinator configured, or a wrong token: each part says why', function () use ($cfg) {
    $s = wpsync_status(['coordinator_url' => ''] + $cfg);
    check($s['pod'] !== null, 'pod still read');
    check(strpos($s['cluster_error'], 'WPSYNC_COORDINATOR_URL') !== false, $s['cluster_error']);
    check(strpos(wpsync_render_page($s), 'WPSYNC_COORDINATOR_URL') !== false, 'page says so');
    $s = wpsync_status(['token' => 'wrong-token-0123456789'] + $cfg);
    check(strpos($s['cluster_error'], 'HTTP 401') !== false, $s['cluster_error'] ?? 'no error');
    check($s['pod'] !== null, 'agent /status is public');
});

test('the page lists releases with a rollback command (no button), escapes what it shows', function () use ($cfg, $current, $old) {
    $html = wpsync_render_page(wpsync_status($cfg));
    check(strpos($html, '<code class="wpsync-current">' . $current . '</code>') !== false, 'current shown');
    check(strpos($html, '<code class="wpsync-rollback">wpsync rollback ' . $old . ' --wait</code>') !== false, 'rollback command');
    check(strpos($html, 'wpsync rollback ' . $current . ' ') === false, 'no rollback to the committed release');
    check(strpos($html, '<script>alert(') === false, 'hostile message escaped');
    check(strpos($html, '&lt;script&gt;alert(') !== false, 'hostile message shown escaped');
    check(stripos($html, '<button') === false && stripos($html, '<form') === false, 'no action without the capture form');
    check(strpos($html, 'needs an <em>admin</em> token') !== false, 'explains why');
});

test('local changes waiting for an admin are listed with the command that settles them', function () {
    $s = ['request_release' => 'r1', 'pod' => null, 'pod_error' => 'local agent: down', 'cluster' => ['agents' => 2],
        'cluster_error' => null, 'rollout' => null, 'rollout_error' => null, 'releases' => [], 'committed' => 'r1',
        'releases_error' => null, 'conflicts_error' => null, 'conflicts' => [
            ['id' => 'p0000000004', 'agentId' => 'web-2', 'state' => 'CONFLICT', 'reason' => 'overlaps r1',
                'conflictPaths' => ['plugins/a/<b>.php']],
            ['id' => 'p0000000005', 'agentId' => 'web-3', 'state' => 'PENDING', 'reason' => 'waits for approval']]];
    $html = wpsync_render_page($s);
    check(strpos($html, 'wpsync proposal resolve p0000000004 --keep proposal|committed') !== false, 'resolve command');
    check(strpos($html, 'wpsync proposal approve p0000000005') !== false, 'approve command');
    check(strpos($html, 'plugins/a/&lt;b&gt;.php') !== false, 'paths escaped');
    check(strpos(implode("\n", wpsync_status_lines($s)), 'needs an admin: p0000000004 CONFLICT, p0000000005 PENDING') !== false, 'cli line');
});

test('capture now: refused by a read-only agent, not attempted without a token', function () use ($cfg) {
    $r = wpsync_capture_now($cfg);
    check(!$r['ok'] && $r['outcome'] === 'refused', json_encode($r));
    check(strpos($r['message'], 'HTTP 409') !== false && strpos($r['message'], 'read-only') !== false, $r['message']);
    $r = wpsync_capture_now(['token' => ''] + $cfg);
    check(!$r['ok'] && $r['outcome'] === 'no-token', json_encode($r));
    $r = wpsync_capture_now(['token' => 'wrong-token-0123456789'] + $cfg);
    check(!$r['ok'] && strpos($r['message'], 'HTTP 401') !== false, json_encode($r));
});

if ($live !== '') {
    test('capture now on a live agent reports what it did', function () use ($cfg, $live) {
        $r = wpsync_capture_now(['agent_url' => $live] + $cfg);
        check($r['ok'] && in_array($r['outcome'], ['no-change', 'proposed', 'busy'], true), json_encode($r));
    });
}

test('hooks: capture is queued once per request, on code changes only', function () {
    $hooks = array_column($GLOBALS['recorded_actions'], 0);
    foreach (['network_admin_menu', 'upgrader_process_complete', 'switch_theme', 'deleted_plugin', 'deleted_theme'] as $h) {
        check(in_array($h, $hooks, true), "$h hooked: " . json_encode($hooks));
    }
    $before = count($GLOBALS['recorded_actions']);
    wpsync_code_changed(null, ['type' => 'plugin', 'action' => 'install']);
    wpsync_code_changed(null, ['type' => 'theme', 'action' => 'update']);
    $added = array_slice($GLOBALS['recorded_actions'], $before);
    check(count($added) === 1 && $added[0][0] === 'shutdown' && $added[0][1] === 'wpsync_capture_queued', json_encode($added));
});

test('wp wpsync status|rollout are thin shells over the same functions', function () use ($cfg, $current, $rollout) {
    check((WP_CLI::$commands['wpsync'] ?? null) === 'WPSync_CLI_Command', 'command registered');
    foreach ($cfg as $k => $v) {
        putenv('WPSYNC_' . strtoupper($k === 'agent_url' ? 'AGENT_URL' : ($k === 'coordinator_url' ? 'COORDINATOR_URL' : ($k === 'token' ? 'TOKEN' : 'HTTP_TIMEOUT'))) . "=$v");
    }
    putenv('WPSYNC_TOKEN_FILE=');
    $cmd = new WPSync_CLI_Command();
    WP_CLI::$out = [];
    $cmd->status([], []);
    check(WP_CLI::$out === wpsync_status_lines(wpsync_status($cfg)), json_encode(WP_CLI::$out));
    WP_CLI::$out = [];
    $cmd->rollout([], []);
    check(strpos(WP_CLI::$out[0], "rollout $rollout: ") === 0 && strpos(WP_CLI::$out[0], "-> $current, COMMITTED") !== false, WP_CLI::$out[0]);
    check(preg_match('/^\s+\S+\s+SWITCHED/', WP_CLI::$out[1]) === 1, WP_CLI::$out[1] ?? 'no agent line');
    WP_CLI::$out = [];
    $cmd->status([], ['format' => 'json']);
    $json = json_decode(WP_CLI::$out[0], true);
    check($json['committed'] === $current, 'json status');
    WP_CLI::$out = [];
    $cmd->capture([], []);
    check(strpos(WP_CLI::$out[0], 'Error: ') === 0, 'capture on a read-only agent is an error: ' . WP_CLI::$out[0]);
});

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
