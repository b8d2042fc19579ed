// Dev aid: serve this checkout's dist/ under /admin/ in front of a running
// ServerKit (which embeds the dist/ it was compiled with) and pass everything
// else through, WebSocket upgrades included. The browser test uses it with
// SERVE_DIST=1 to try a fresh build against an older binary.
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json' };

function serveDist(path, res) {
  const rel = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '');
  let file = join(dist, rel);
  if (!rel || rel === '.' || !existsSync(file) || !statSync(file).isFile()) {
    const looksLikeFile = rel.startsWith('assets/') || /\.[a-z0-9]+$/i.test(rel);
    if (looksLikeFile) return void res.writeHead(404).end('no such file');
    file = join(dist, 'index.html');
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(readFileSync(file));
}

/** Starts the proxy on a free port in front of `target` (http://host:port). */
export function startDistProxy(target) {
  const up = new URL(target);
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname === '/admin') return void res.writeHead(308, { location: '/admin/' }).end();
    // The server's downloads and environments' files live under /admin/ too.
    const served = ['/admin/downloads/', '/admin/files/'].some((p) => pathname.startsWith(p));
    if (pathname.startsWith('/admin/') && !served) return serveDist(pathname.slice('/admin/'.length), res);
    const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.headersSent || res.writeHead(502).end('upstream error'));
    req.pipe(fwd);
  });
  server.on('upgrade', (req, socket, head) => {
    const out = connect(Number(up.port), up.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      out.write(lines.join('\r\n') + '\r\n\r\n');
      if (head?.length) out.write(head);
      out.pipe(socket);
      socket.pipe(out);
    });
    const end = () => (out.destroy(), socket.destroy());
    out.on('error', end);
    socket.on('error', end);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })),
  );
}
