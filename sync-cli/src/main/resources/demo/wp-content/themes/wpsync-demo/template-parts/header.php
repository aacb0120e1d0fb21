<!doctype html>
<html <?php language_attributes(); ?>>
<head><meta charset="<?php bloginfo( 'charset' ); ?>"><?php wp_head(); ?></head>
<body <?php body_class(); ?>>
<!-- wpsync-demo header version <?php echo esc_html( WPSYNC_DEMO_THEME_VERSION ); ?> -->
<h1><?php bloginfo( 'name' ); ?></h1>
