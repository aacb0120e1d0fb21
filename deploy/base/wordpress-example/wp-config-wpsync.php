<?php
/**
 * wpsync lines for wp-config.php: require this file before wp-settings.php is loaded
 * (the official image does it through WORDPRESS_CONFIG_EXTRA, see deployment.yaml).
 *
 * wp-content (themes, plugins, mu-plugins, languages) comes from the node's wpsync agent:
 * WPSYNC_ROOT/current is a symlink to releases/<id> that the agent replaces atomically (rename) on a
 * switch. This file resolves it ONCE per request, so every file the request includes afterwards
 * comes from that one release, even when a switch happens while the request runs; the next request
 * starts on the new release. Releases stay on disk for a grace period after a switch.
 */

if (!defined('WPSYNC_ROOT')) {
    define('WPSYNC_ROOT', getenv('WPSYNC_ROOT') ?: '/var/lib/wpsync/default');
}

// PHP caches resolved paths (realpath_cache_ttl, 120 s by default): without this a worker would keep
// resolving `current` to the release it saw first.
clearstatcache(true);
$wpsync_release = realpath(WPSYNC_ROOT . '/current');

if ($wpsync_release === false || !is_dir($wpsync_release)) {
    // No release on this node yet (the agent has not synced): refuse rather than serve a broken site.
    error_log('wpsync: ' . WPSYNC_ROOT . '/current does not resolve; is the wpsync agent on this node ready?');
    if (PHP_SAPI !== 'cli') {
        http_response_code(503);
        header('Retry-After: 5');
    }
    exit("wp-content is not available on this node yet.\n");
}

define('WP_CONTENT_DIR', $wpsync_release);          // e.g. /var/lib/wpsync/default/releases/r0000000007
define('WPSYNC_RELEASE', basename($wpsync_release)); // for logs and debugging headers
unset($wpsync_release);
// WP_CONTENT_URL stays WordPress's default (siteurl . '/wp-content'), so every site of the network
// keeps its own host; the web server maps /wp-content/ to WPSYNC_ROOT/current (apache-wpsync.conf).
// wp-content/uploads is a link to the shared uploads volume made by the agent (--link uploads=...).

if ((getenv('WPSYNC_MODE') ?: 'read-only') === 'read-only') {
    // The tree is read-only: code changes arrive as wpsync releases, never through wp-admin.
    define('DISALLOW_FILE_MODS', true);
    define('AUTOMATIC_UPDATER_DISABLED', true);
} else {
    // live mode: WordPress may write into the release (captured and proposed back by wpsync).
    define('FS_METHOD', 'direct');
}
define('WP_TEMP_DIR', sys_get_temp_dir());

// Multisite, once the network is installed (docs/install-kubernetes.md, step 8).
if (getenv('WPSYNC_MULTISITE_DOMAIN')) {
    define('MULTISITE', true);
    define('SUBDOMAIN_INSTALL', getenv('WPSYNC_MULTISITE_SUBDOMAINS') === 'true');
    define('DOMAIN_CURRENT_SITE', getenv('WPSYNC_MULTISITE_DOMAIN'));
    define('PATH_CURRENT_SITE', '/');
    define('SITE_ID_CURRENT_SITE', 1);
    define('BLOG_ID_CURRENT_SITE', 1);
} else {
    define('WP_ALLOW_MULTISITE', true);
}
