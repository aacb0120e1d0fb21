<?php
/**
 * Router of one "pod" (php -S 127.0.0.1:PORT router.php) in WordPressMultisiteIT: what the Apache
 * configuration of deploy/base/wordpress-example does, for PHP's built-in server.
 *   /wpsync-releases/<id>/...  static files of that retained release (never PHP)
 *   /wp-content/...            static files of `current` (uploads through its link)
 *   /<site>/wp-...             subdirectory multisite: the site prefix is stripped for core files
 *   *.php of WordPress core    run; anything else goes to WordPress's index.php
 * The Host header is what an ingress would forward: the network's domain (E2E_HOST).
 */
$wpsyncRoot = getenv('WPSYNC_ROOT');
$core = getenv('E2E_CORE');
$_SERVER['HTTP_HOST'] = getenv('E2E_HOST');
$_SERVER['SERVER_NAME'] = getenv('E2E_HOST');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');

function e2e_static(string $file): bool
{
    if (strpos($file, '..') !== false || !is_file($file)) {
        http_response_code(404);
        echo "not found\n";
        return true;
    }
    if (preg_match('/\.(php[0-9]?|phtml|phar|inc)$/i', $file)) {
        http_response_code(403);
        echo "forbidden\n";
        return true;
    }
    $types = ['css' => 'text/css', 'js' => 'application/javascript', 'png' => 'image/png', 'gif' => 'image/gif',
        'jpg' => 'image/jpeg', 'svg' => 'image/svg+xml', 'txt' => 'text/plain'];
    $ext = strtolower(pathinfo($file, PATHINFO_EXTENSION));
    header('Content-Type: ' . ($types[$ext] ?? 'application/octet-stream'));
    header('Content-Length: ' . filesize($file));
    readfile($file);
    return true;
}

if (preg_match('#^/wpsync-releases/([A-Za-z0-9][A-Za-z0-9._-]*)/(.+)$#', $path, $m)) {
    return e2e_static("$wpsyncRoot/releases/$m[1]/$m[2]");
}
if (preg_match('#^/[_0-9a-zA-Z-]+(/(wp-(content|admin|includes)(/.*)?|wp-[a-z-]+\.php))$#', $path, $m)) {
    $path = $m[1];
}
if (strpos($path, '/wp-content/') === 0) {
    clearstatcache(true);
    return e2e_static("$wpsyncRoot/current/" . substr($path, strlen('/wp-content/')));
}
$script = null;
if ($path === '/wp-admin' || substr($path, -1) === '/' && is_file($core . $path . 'index.php') && $path !== '/') {
    $path = rtrim($path, '/') . '/index.php';
}
if ($path !== '/' && is_file($core . $path)) {
    if (!preg_match('/\.php$/', $path)) {
        return e2e_static($core . $path);
    }
    $script = $path;
}
$script = $script ?? '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $core . $script;
$_SERVER['SCRIPT_NAME'] = $script;
$_SERVER['PHP_SELF'] = $script;
chdir(dirname($core . $script));
require $core . $script;
return true;
