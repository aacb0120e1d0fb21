<?php
/**
 * Installs the end-to-end test's WordPress Multisite with WordPress's own functions (what the
 * installer and Tools → Network Setup do): `php install.php single` runs wp_install() and creates
 * the network tables (install_network(), populate_network()); then, with the multisite constants
 * on (WPSYNC_MULTISITE_DOMAIN), `php install.php sites` creates the sub-sites site2 and site3 on the
 * network's theme. Prints what it did; exits non-zero on any error.
 */
$phase = $argv[1] ?? '';
$host = getenv('E2E_HOST');
$_SERVER['HTTP_HOST'] = $host;
$_SERVER['SERVER_NAME'] = $host;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if ($phase === 'single') {
    define('WP_INSTALLING', true);
}
require getenv('E2E_CORE') . '/wp-load.php';

function e2e_fail($what): void
{
    fwrite(STDERR, 'install: ' . (is_wp_error($what) ? $what->get_error_message() : $what) . "\n");
    exit(1);
}

if ($phase === 'single') {
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    $r = wp_install('wpsync E2E', 'admin', 'admin@example.com', true, '', getenv('E2E_ADMIN_PASSWORD'));
    update_option('siteurl', "http://$host");
    update_option('home', "http://$host");
    require_once ABSPATH . 'wp-admin/includes/network.php';
    foreach ($wpdb->tables('ms_global') as $table => $prefixed) {
        $wpdb->$table = $prefixed;
    }
    install_network();
    $e = populate_network(1, $host, 'admin@example.com', 'wpsync E2E network', '/', false);
    if (is_wp_error($e)) {
        e2e_fail($e);
    }
    echo "installed: user {$r['user_id']}, network on $host\n";
} elseif ($phase === 'sites') {
    if (!is_multisite()) {
        e2e_fail('not multisite: set WPSYNC_MULTISITE_DOMAIN');
    }
    update_site_option('allowedthemes', ['wpsync-e2e' => true]);
    foreach (['site2' => 'Site Two', 'site3' => 'Site Three'] as $slug => $title) {
        $id = wpmu_create_blog($host, "/$slug/", $title, 1);
        if (is_wp_error($id)) {
            e2e_fail($id);
        }
        switch_to_blog($id);
        switch_theme('wpsync-e2e');
        restore_current_blog();
        echo "site $id: /$slug/\n";
    }
    switch_theme('wpsync-e2e');
    echo 'theme: ' . get_stylesheet() . "\n";
} else {
    e2e_fail('usage: php install.php single|sites');
}
