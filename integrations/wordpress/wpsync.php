<?php
/**
 * Plugin Name: wpsync
 * Description: Shows which wpsync release this network serves (Network Admin → wpsync, `wp wpsync status|rollout`)
 *   and asks the node's wpsync agent to capture plugin and theme changes made in wp-admin at once.
 * Version: 0.1.0
 * Network: true
 *
 * Install as a must-use plugin: copy this file and the wpsync/ directory into wp-content/mu-plugins/
 * of the tree you publish as a wpsync release. Settings come from the environment (or constants):
 * WPSYNC_AGENT_URL, WPSYNC_COORDINATOR_URL, WPSYNC_TOKEN or WPSYNC_TOKEN_FILE (a capture-scoped
 * token, never an admin one). See docs/wordpress.md.
 */

if (!defined('ABSPATH') && !defined('WPSYNC_TESTING')) {
    exit;
}

require_once __DIR__ . '/wpsync/client.php';
require_once __DIR__ . '/wpsync/status.php';
require_once __DIR__ . '/wpsync/admin-page.php';
require_once __DIR__ . '/wpsync/cli.php';

if (function_exists('add_action')) {
    wpsync_register_hooks();
}
if (defined('WP_CLI') && WP_CLI && class_exists('WP_CLI')) {
    WP_CLI::add_command('wpsync', 'WPSync_CLI_Command');
}
