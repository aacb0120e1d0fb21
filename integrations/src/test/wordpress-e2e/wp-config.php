<?php
/**
 * wp-config.php of the end-to-end test's WordPress (WordPressMultisiteIT): a MariaDB the test
 * started, fixed salts (every "pod" must accept the same login cookie), no outbound HTTP, then the
 * shipped wpsync lines (deploy/base/wordpress-example/wp-config-wpsync.php) exactly as a pod has them.
 */
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', getenv('E2E_DB_HOST'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $k) {
    define($k, 'wpsync-e2e-' . $k . '-' . getenv('E2E_SALT'));
}
$table_prefix = 'wp_';
define('WP_DEFAULT_THEME', 'wpsync-e2e');
define('WP_HTTP_BLOCK_EXTERNAL', true); // loopback only: no update checks, no plugin directory
define('DISABLE_WP_CRON', true);
define('WP_AUTO_UPDATE_CORE', false);
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', getenv('E2E_DEBUG_LOG'));

require getenv('E2E_WPSYNC_CONFIG');

if (!defined('AUTOMATIC_UPDATER_DISABLED')) {
    define('AUTOMATIC_UPDATER_DISABLED', true);
}
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
