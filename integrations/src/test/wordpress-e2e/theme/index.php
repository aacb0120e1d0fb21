<?php
get_header();
// Long enough for a switch to land in the middle of a request now and then.
usleep(20000);
echo "<main>WPSYNC-MARK:index:@VERSION@</main>\n";
get_template_part('parts/meta');
get_footer();
