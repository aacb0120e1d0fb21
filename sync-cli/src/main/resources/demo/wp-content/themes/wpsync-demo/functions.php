<?php
/** Theme version marker: every template part prints it, so a page that mixes releases is visible. */
define( 'WPSYNC_DEMO_THEME_VERSION', '1.0' );

add_action( 'wp_enqueue_scripts', function () {
	wp_enqueue_style( 'wpsync-demo', get_stylesheet_uri(), array(), WPSYNC_DEMO_THEME_VERSION );
} );
