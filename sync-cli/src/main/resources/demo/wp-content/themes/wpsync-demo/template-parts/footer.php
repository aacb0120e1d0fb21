<footer class="wpsync-release">
<!-- wpsync-demo footer version <?php echo esc_html( WPSYNC_DEMO_THEME_VERSION ); ?> -->
Served by the wpsync demo theme <?php echo esc_html( WPSYNC_DEMO_THEME_VERSION ); ?>
</footer>
<?php wp_footer(); ?>
</body>
</html>
