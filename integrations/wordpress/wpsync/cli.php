<?php
/**
 * wpsync mu-plugin: `wp wpsync status|rollout|capture`, a thin shell over the functions the admin
 * page uses (status.php). It cannot start, abort or roll back a rollout: this site holds no admin
 * token.
 */

if (!defined('ABSPATH') && !defined('WPSYNC_TESTING')) {
    exit;
}

final class WPSync_CLI_Command
{
    /**
     * Shows this pod's release, the committed release and the cluster.
     *
     * ## OPTIONS
     * [--format=<format>]
     * : text or json.
     */
    public function status($args, $assoc): void
    {
        $s = wpsync_status();
        if (($assoc['format'] ?? 'text') === 'json') {
            WP_CLI::line(json_encode($s, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
            return;
        }
        foreach (wpsync_status_lines($s) as $line) {
            WP_CLI::line($line);
        }
        if ($s['pod'] === null) {
            WP_CLI::warning($s['pod_error']);
        }
    }

    /**
     * Shows the rollout in progress, else the last one, with every agent's progress.
     *
     * ## OPTIONS
     * [--format=<format>]
     * : text or json.
     */
    public function rollout($args, $assoc): void
    {
        $s = wpsync_status();
        if (($assoc['format'] ?? 'text') === 'json') {
            WP_CLI::line(json_encode($s['rollout'], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
            return;
        }
        foreach (wpsync_rollout_lines($s) as $line) {
            WP_CLI::line($line);
        }
    }

    /** Asks this pod's agent to capture local changes now (live mode). */
    public function capture($args, $assoc): void
    {
        $r = wpsync_capture_now();
        if ($r['ok']) {
            WP_CLI::success($r['message']);
        } else {
            WP_CLI::error($r['message']);
        }
    }
}
