<aside>WPSYNC-MARK:part:@VERSION@</aside>
