// The mock server's file storage (tests/mock-server.mjs): GraphQL fields of
// the Files page and PUT / GET under /admin/files/{env}/{path}, in memory.
// A stand-in with the server's contract, for working on the SPA without Rust.

const stores = new Map(); // slug -> { files: Map<path, { bytes, contentType, modifiedAt }>, folders: Set<path> }
const storeOf = (slug) => {
  if (!stores.has(slug)) stores.set(slug, { files: new Map(), folders: new Set() });
  return stores.get(slug);
};
const parentOf = (p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const ancestors = (p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'));
const badPath = (p) =>
  !p || p.startsWith('/') || p.includes('\\') || /[\u0000-\u001f\u007f]/.test(p) || p.split('/').some((s) => s === '' || s === '..') ||
  Buffer.byteLength(p) > 1024;
const used = (slug) => [...storeOf(slug).files.values()].reduce((n, f) => n + f.bytes.length, 0);
const info = (slug, path, f) => ({
  path, name: path.slice(path.lastIndexOf('/') + 1), size: f.bytes.length, contentType: f.contentType, modifiedAt: f.modifiedAt,
  etag: `"${f.bytes.length}-${Date.parse(f.modifiedAt)}"`,
  downloadUrl: `/admin/files/${encodeURIComponent(slug)}/${path.split('/').map(encodeURIComponent).join('/')}`,
  readOnly: readOnly(path),
});
// Files of table rows (`tables/…`) change through their rows only.
const readOnly = (path) => path === 'tables' || path.startsWith('tables/');
const TABLES_REFUSED = '`tables/` holds the files of table rows: change them through the rows (the Database page or the API)';
const under = (folder, path) => !folder || path.startsWith(`${folder}/`);

/** @param {{ fail: Function, findEnv: Function, me: Function }} h */
export function filesRoot({ fail, findEnv, me }) {
  const allowed = (slug, write = false) => {
    const admin = me();
    const env = findEnv(slug);
    if (!env.capabilities.fileManagement) throw fail('FORBIDDEN', `file management is off for ${slug}`);
    if (write && admin.role === 'VIEWER') throw fail('FORBIDDEN', 'viewers only read files');
    return storeOf(slug);
  };
  const checked = (path, field = 'path') => {
    if (badPath(path)) throw fail('BAD_USER_INPUT', `\`${path}\` is not a valid path`, field);
    return path;
  };
  const writable = (path, field = 'path') => {
    if (readOnly(checked(path, field))) throw fail('FORBIDDEN', TABLES_REFUSED);
    return path;
  };
  return {
    files: ({ environment, folder = '', first = 100, after }) => {
      const s = allowed(environment);
      const f = folder ?? '';
      const folders = new Set();
      for (const p of [...s.folders, ...s.files.keys()]) {
        if (!under(f, p)) continue;
        const rest = f ? p.slice(f.length + 1) : p;
        if (rest.includes('/')) folders.add(f ? `${f}/${rest.split('/')[0]}` : rest.split('/')[0]);
        else if (s.folders.has(p) && p !== f) folders.add(p);
      }
      const all = [...s.files.entries()].filter(([p]) => parentOf(p) === f).sort(([a], [b]) => (a < b ? -1 : 1));
      const start = after ? Number(after) : 0;
      const page = all.slice(start, start + first);
      const env = findEnv(environment);
      return {
        folder: f, readOnly: readOnly(f), folders: [...folders].sort(),
        files: {
          edges: page.map(([p, x], i) => ({ cursor: String(start + i + 1), node: info(environment, p, x) })),
          pageInfo: { hasPreviousPage: start > 0, hasNextPage: start + first < all.length, startCursor: null,
            endCursor: page.length ? String(start + page.length) : null },
        },
        usedBytes: used(environment), quotaBytes: env.limits.fileQuotaBytes, maxFileBytes: env.limits.maxFileBytes,
      };
    },
    folderSummary: ({ environment, path }) => {
      const s = allowed(environment);
      const inside = [...s.files.entries()].filter(([p]) => under(checked(path), p));
      return { files: inside.length, bytes: inside.reduce((n, [, f]) => n + f.bytes.length, 0) };
    },
    createFolder: ({ environment, path }) => {
      allowed(environment, true).folders.add(writable(path));
      return path;
    },
    moveFile: ({ environment, from, to }) => {
      const s = allowed(environment, true);
      const f = s.files.get(writable(from, 'from'));
      if (!f) throw fail('NOT_FOUND', `no file \`${from}\``);
      if (s.files.has(writable(to, 'to'))) throw fail('CONFLICT', `\`${to}\` exists`, 'to');
      s.files.delete(from);
      s.files.set(to, { ...f, modifiedAt: new Date().toISOString() });
      return info(environment, to, s.files.get(to));
    },
    deleteFile: ({ environment, path }) => allowed(environment, true).files.delete(writable(path)),
    deleteFolder: ({ environment, path }) => {
      const s = allowed(environment, true);
      writable(path);
      let n = 0;
      for (const p of [...s.files.keys()]) if (under(checked(path), p)) (s.files.delete(p), n++);
      for (const p of [...s.folders]) if (p === path || under(path, p)) s.folders.delete(p);
      return n;
    },
  };
}

/** PUT / GET /admin/files/{env}/{path}; true when it answered. */
export async function serveFiles(req, res, url, { admin, findEnvOrNull }) {
  const m = /^\/admin\/files\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (!m) return false;
  const json = (status, body) => (res.writeHead(status, { 'content-type': 'application/json' }), res.end(JSON.stringify(body)));
  const error = (status, code, message) => json(status, { error: { code, message } });
  const slug = decodeURIComponent(m[1]);
  let path;
  try {
    path = m[2].split('/').map(decodeURIComponent).join('/');
  } catch {
    return error(400, 'BAD_USER_INPUT', 'bad percent-encoding'), true;
  }
  const env = findEnvOrNull(slug);
  if (!admin) return error(401, 'UNAUTHENTICATED', 'sign in first'), true;
  if (!env) return error(404, 'NOT_FOUND', `no environment ${slug}`), true;
  if (!env.capabilities.fileManagement) return error(403, 'FORBIDDEN', `file management is off for ${slug}`), true;
  const s = storeOf(slug);
  if (req.method === 'PUT') {
    if (req.headers['x-serverkit-csrf'] !== '1') return error(403, 'FORBIDDEN', 'x-serverkit-csrf: 1 is required'), true;
    if (admin.role === 'VIEWER') return error(403, 'FORBIDDEN', 'viewers only read files'), true;
    if (badPath(path)) return error(400, 'BAD_USER_INPUT', `\`${path}\` is not a valid path`), true;
    if (readOnly(path)) return error(403, 'FORBIDDEN', TABLES_REFUSED), true;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    if (bytes.length > env.limits.maxFileBytes) return error(413, 'PAYLOAD_TOO_LARGE', 'the file is too large'), true;
    const quota = env.limits.fileQuotaBytes;
    if (quota && used(slug) - (s.files.get(path)?.bytes.length ?? 0) + bytes.length > quota) {
      return error(413, 'QUOTA_EXCEEDED', 'the quota is used up'), true;
    }
    s.files.set(path, { bytes, contentType: req.headers['content-type'] || 'application/octet-stream', modifiedAt: new Date().toISOString() });
    return json(201, info(slug, path, s.files.get(path))), true;
  }
  if (req.method === 'GET') {
    const f = s.files.get(path);
    if (!f) return error(404, 'NOT_FOUND', `no file \`${path}\``), true;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const headers = {
      'content-type': f.contentType,
      'content-disposition': `${url.searchParams.get('inline') === '1' ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`,
      'accept-ranges': 'bytes',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : f.bytes.length - 1, f.bytes.length - 1);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${f.bytes.length}` });
      return res.end(f.bytes.subarray(start, end + 1)), true;
    }
    res.writeHead(200, headers);
    return res.end(f.bytes), true;
  }
  return error(405, 'METHOD_NOT_ALLOWED', 'PUT or GET'), true;
}
