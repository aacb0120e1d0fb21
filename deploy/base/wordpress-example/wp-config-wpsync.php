<?php
/**
 * wpsync lines for wp-config.php: require this file before wp-settings.php is loaded
 * (the official image does it through WORDPRESS_CONFIG_EXTRA, see deployment.yaml). This file is
 * the one source of these lines: the Kubernetes example mounts it from a ConfigMap, the WordPress
 * end-to-end test (integrations/, WordPressMultisiteIT) requires it as it is, and
 * docs/wordpress.md explains every line.
 *
 * wp-content (themes, plugins, mu-plugins, languages) comes from the node's wpsync agent:
 * WPSYNC_ROOT/current is a symlink to releases/<id> that the agent replaces atomically (rename) on a
 * switch. This file resolves it ONCE per request and derives every content, plugin and mu-plugin
 * directory and URL from that one resolution, so every file the request includes afterwards comes
 * from that one release, even when a switch happens while the request runs; the next request starts
 * on the new release. Releases stay on disk for a grace period after a switch (the agent's retention:
 * the previous release for 60 s, and the last --keep releases).
 *
 * Environment:
 *   WPSYNC_ROOT           the agent's --root as mounted in this pod (default /var/lib/wpsync/default)
 *   WPSYNC_MODE           read-only (default) or live, as the agents' --mode
 *   WPSYNC_RELEASE_URLS   true (default): static assets under /wpsync-releases/<id>/ (release-scoped);
 *                         false: WordPress's default /wp-content/ URLs
 *   WPSYNC_ASSET_BASE     optional scheme://host (a CDN) in front of /wpsync-releases/; default none:
 *                         host-relative URLs, so every site of the network keeps its own host
 *   WPSYNC_MULTISITE_DOMAIN, WPSYNC_MULTISITE_SUBDOMAINS   the network, once installed
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

// Everything below derives from $wpsync_release, never from `current` again.
define('WPSYNC_RELEASE', basename($wpsync_release));          // e.g. r0000000007
define('WPSYNC_RELEASE_DIR', $wpsync_release);               // e.g. /var/lib/wpsync/default/releases/r0000000007
define('WP_CONTENT_DIR', $wpsync_release);
define('WP_PLUGIN_DIR', $wpsync_release . '/plugins');
define('WPMU_PLUGIN_DIR', $wpsync_release . '/mu-plugins');
unset($wpsync_release);

if (PHP_SAPI !== 'cli' && !headers_sent()) {
    header('X-Wpsync-Release: ' . WPSYNC_RELEASE);
}

// Release-scoped asset URLs: a page rendered from release X loads X's CSS, JS and images, from any pod
// and through any CDN, as long as X is retained (the web server maps /wpsync-releases/<id>/ to
// WPSYNC_ROOT/releases/<id>/, see apache-wpsync.conf; PHP is never executed there). A new release
// means new URLs, so no cache can serve an old file under a new release's URL.
if ((getenv('WPSYNC_RELEASE_URLS') ?: 'true') !== 'false') {
    define('WPSYNC_CONTENT_URL', rtrim((string) getenv('WPSYNC_ASSET_BASE'), '/') . '/wpsync-releases/' . WPSYNC_RELEASE);
    define('WP_CONTENT_URL', WPSYNC_CONTENT_URL);
    define('WP_PLUGIN_URL', WPSYNC_CONTENT_URL . '/plugins');
    define('WPMU_PLUGIN_URL', WPSYNC_CONTENT_URL . '/mu-plugins');

    /**
     * Media URLs are stored in posts, so they must not carry a release id: uploads keep WordPress's
     * usual URL (<siteurl>/wp-content/uploads/...; the uploads link of every release points at the
     * same shared directory).
     */
    if (!function_exists('wpsync_stable_upload_urls')) {
        function wpsync_stable_upload_urls(array $u): array
        {
            $scoped = WPSYNC_CONTENT_URL . '/uploads';
            $stable = defined('WPSYNC_UPLOADS_URL') ? WPSYNC_UPLOADS_URL
                : rtrim((string) get_option('siteurl'), '/') . '/wp-content/uploads';
            foreach (['url', 'baseurl'] as $k) {
                if (isset($u[$k]) && strpos($u[$k], $scoped) === 0) {
                    $u[$k] = $stable . substr($u[$k], strlen($scoped));
                }
            }
            return $u;
        }
    }
    if (function_exists('add_filter')) {
        add_filter('upload_dir', 'wpsync_stable_upload_urls');
    } else {
        // wp-config.php runs before plugin.php: WordPress turns this array into hooks (WP_Hook).
        $GLOBALS['wp_filter']['upload_dir'][10][] = ['function' => 'wpsync_stable_upload_urls', 'accepted_args' => 1];
    }
}
// wp-content/uploads is a link to the shared uploads volume made by the agent (--link uploads=...),
// as are cache/ and upgrade/ when configured: they stay outside releases.

if ((getenv('WPSYNC_MODE') ?: 'read-only') === 'read-only') {
    // The tree is read-only: code changes arrive as wpsync releases, never through wp-admin.
    define('DISALLOW_FILE_MODS', true);
    define('AUTOMATIC_UPDATER_DISABLED', true);
} else {
    // live mode: WordPress may write into the release (captured and proposed back by wpsync).
    define('FS_METHOD', 'direct');
}
define('WP_TEMP_DIR', sys_get_temp_dir());

// Multisite, once the network is installed (docs/install-kubernetes.md, step 7).
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
