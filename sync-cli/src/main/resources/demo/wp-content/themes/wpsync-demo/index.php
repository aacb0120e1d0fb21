<?php
/** The only template: header, the loop, footer. */
get_template_part( 'template-parts/header' );
if ( have_posts() ) {
	while ( have_posts() ) {
		the_post();
		the_title( '<h2>', '</h2>' );
		the_content();
	}
}
get_template_part( 'template-parts/footer' );
