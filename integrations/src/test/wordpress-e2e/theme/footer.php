<footer>WPSYNC-MARK:footer:@VERSION@</footer>
<?php wp_footer(); ?>
</body></html>
