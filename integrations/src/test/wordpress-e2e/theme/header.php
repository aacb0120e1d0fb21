<!doctype html>
<html <?php language_attributes(); ?>><head><meta charset="utf-8"><?php wp_head(); ?></head>
<body>
<header>WPSYNC-MARK:header:@VERSION@ <?php bloginfo('name'); ?></header>
