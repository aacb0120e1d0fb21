<?php
/**
 * wpsync mu-plugin: configuration and the HTTP client for the local agent and the coordinator.
 *
 * Plain PHP (no WordPress function is needed), so tests/run-tests.php can drive it with `php` alone.
 * Every call is bounded by a timeout and never throws: a failure comes back as an array with
 * 'status' 0 (unreachable) or the HTTP status, and an 'error' a human can act on.
 */

if (!defined('ABSPATH') && !defined('WPSYNC_TESTING')) {
    exit;
}

/**
 * The settings, from constants (wp-config.php) or, failing that, the environment:
 *   WPSYNC_AGENT_URL        this node's agent (default http://127.0.0.1:8081)
 *   WPSYNC_COORDINATOR_URL  the coordinator's API, read-only use (optional)
 *   WPSYNC_TOKEN            a capture-scoped token, or WPSYNC_TOKEN_FILE naming a file holding it
 *   WPSYNC_HTTP_TIMEOUT     seconds per call (default 2)
 *
 * @return array{agent_url: string, coordinator_url: string, token: string, timeout: float}
 */
function wpsync_config(): array
{
    $get = static function (string $name, string $default = ''): string {
        if (defined($name)) {
            return (string) constant($name);
        }
        $v = getenv($name);
        return $v === false || $v === '' ? $default : $v;
    };
    $token = $get('WPSYNC_TOKEN');
    $file = $get('WPSYNC_TOKEN_FILE');
    if ($token === '' && $file !== '' && is_readable($file)) {
        $token = wpsync_token_from_file((string) file_get_contents($file));
    }
    return [
        'agent_url' => rtrim($get('WPSYNC_AGENT_URL', 'http://127.0.0.1:8081'), '/'),
        'coordinator_url' => rtrim($get('WPSYNC_COORDINATOR_URL'), '/'),
        'token' => $token,
        'timeout' => max(0.1, (float) $get('WPSYNC_HTTP_TIMEOUT', '2')),
    ];
}

/**
 * The token of a token file: either the bare token, or a '<scope> <token>' line. An admin line is
 * ignored on purpose: this plugin must never act with an admin token.
 */
function wpsync_token_from_file(string $text): string
{
    foreach (preg_split('/\R/', $text) as $line) {
        $line = trim($line);
        if ($line === '' || $line[0] === '#') {
            continue;
        }
        $parts = preg_split('/\s+/', $line);
        if (count($parts) === 1) {
            return $parts[0];
        }
        if ($parts[0] === 'capture' || $parts[0] === 'read') {
            return $parts[1];
        }
    }
    return '';
}

/**
 * One HTTP call. Returns ['status' => int (0: no answer), 'json' => decoded body or null,
 * 'body' => raw body, 'error' => null or why it failed (the problem document's detail when there is one)].
 */
function wpsync_http(string $method, string $url, string $token, float $timeout, ?string $body = null): array
{
    $headers = ['Accept: application/json', 'User-Agent: wpsync-mu-plugin'];
    if ($token !== '') {
        $headers[] = 'Authorization: Bearer ' . $token;
    }
    if ($body !== null) {
        $headers[] = 'Content-Type: application/json';
    }
    $context = stream_context_create(['http' => [
        'method' => $method,
        'header' => implode("\r\n", $headers),
        'content' => $body ?? '',
        'timeout' => $timeout,
        'ignore_errors' => true,
        'follow_location' => 0,
        'protocol_version' => 1.1,
    ]]);
    $http_response_header = null;
    $raw = @file_get_contents($url, false, $context);
    if ($raw === false || empty($http_response_header)) {
        $last = error_get_last();
        $why = $last ? preg_replace('/^file_get_contents\([^)]*\): /', '', $last['message']) : 'no answer';
        return ['status' => 0, 'json' => null, 'body' => '', 'error' => "cannot reach $url: $why"];
    }
    $status = 0;
    foreach ($http_response_header as $h) {
        if (preg_match('#^HTTP/\S+\s+(\d{3})#', $h, $m)) {
            $status = (int) $m[1]; // the last status line wins
        }
    }
    $json = json_decode($raw, true);
    $error = null;
    if ($status < 200 || $status > 299) {
        $detail = is_array($json) ? ($json['detail'] ?? $json['title'] ?? null) : null;
        $error = "$method $url: HTTP $status" . ($detail !== null ? ": $detail" : ($raw !== '' ? ': ' . substr(trim($raw), 0, 200) : ''));
    }
    return ['status' => $status, 'json' => is_array($json) ? $json : null, 'body' => $raw, 'error' => $error];
}

/** GET from the coordinator's API; ['status' => 0, 'error' => ...] when it is not configured. */
function wpsync_coordinator_get(array $cfg, string $path): array
{
    if ($cfg['coordinator_url'] === '') {
        return ['status' => 0, 'json' => null, 'body' => '',
            'error' => 'no coordinator configured (set WPSYNC_COORDINATOR_URL to show cluster-wide status)'];
    }
    return wpsync_http('GET', $cfg['coordinator_url'] . $path, $cfg['token'], $cfg['timeout']);
}
