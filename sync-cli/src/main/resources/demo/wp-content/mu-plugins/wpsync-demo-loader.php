<?php
/** Must-use plugins are part of releases too; this one only marks the page. */
add_action( 'wp_footer', function () {
	echo "<!-- wpsync demo mu-plugin -->\n";
} );
