<?php
/**
 * Plugin Name: wpsync hello
 * Description: A tiny plugin shipped in the demo release.
 * Version: 1.0
 */
add_filter( 'the_content', function ( $content ) {
	return $content . '<p class="wpsync-hello">Hello from a plugin synced by wpsync.</p>';
} );
