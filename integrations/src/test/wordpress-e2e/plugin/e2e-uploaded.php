<?php
/**
 * Plugin Name: wpsync E2E uploaded plugin
 * Description: Uploaded through wp-admin on one pod by WordPressMultisiteIT; must reach every pod.
 * Version: 1.0.0
 */
add_action('wp_footer', function () {
    echo "<!-- WPSYNC-E2E-PLUGIN -->\n";
});
