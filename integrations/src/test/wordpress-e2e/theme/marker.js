/* WPSYNC-MARK:script:@VERSION@ */
document.documentElement.dataset.wpsync = '@VERSION@';
