// A stand-in for the ServerKit binary, for working on the SPA without Rust:
// serves dist/ under /admin/ and a memory-backed /graphql built from
// ../schema.graphql (no subscriptions), files in memory (mock-files.mjs). Not used by CI.
//   node tests/mock-server.mjs [port]   (owner@example.com / mock-password-123)
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { buildSchema, graphql, GraphQLError } from 'graphql';
import { filesRoot, serveFiles } from './mock-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const schema = buildSchema(readFileSync(join(here, '..', '..', 'schema.graphql'), 'utf8'));
const port = Number(process.argv[2] ?? 8080);
const now = () => new Date().toISOString();
const fail = (code, message, field) =>
  new GraphQLError(message, { extensions: field ? { code, field } : { code } });

// MOCK_SETUP=1 starts without an admin; the setup link is /admin/setup?token=mock-setup-token
const admins = process.env.MOCK_SETUP ? [] : [{ id: 'a1', email: 'owner@example.com', password: 'mock-password-123', role: 'OWNER', createdAt: now(), lastLoginAt: null }];
const tokens = [];
const caps = (t) => ({ monitoring: t, requestLogs: t, apiTest: true, databaseManagement: t, userManagement: t, fileManagement: t });
const mkEnv = (slug, name, kind) => ({
  id: randomUUID(), slug, name, kind,
  baseUrl: `http://127.0.0.1:${port}/env/${slug}`,
  database: `SQLite data/envs/${slug}.db`,
  storagePrefix: `data/files/${slug}/`,
  limits: {
    ...(kind === 'TEST'
      ? { maxConcurrentRequests: 32, requestsPerSecond: 100, maxBodyBytes: 1048576, requestTimeoutMs: 10000,
          maxFileBytes: 104857600, fileQuotaBytes: 1073741824 }
      : { maxConcurrentRequests: 1024, requestsPerSecond: 10000, maxBodyBytes: 10485760, requestTimeoutMs: 30000,
          maxFileBytes: 1073741824, fileQuotaBytes: 0 }),
    maxSubscribers: 10000, maxSubscribersPerUser: 10, maxEventsPerSecond: 1000, feedRetentionEvents: 100000, feedRetentionHours: 24,
  },
  capabilities: caps(kind === 'TEST'), servedRevision: null, corsOrigins: [], variables: {},
  logRetentionRecords: 100000, logRetentionDays: 7, logBodyLimitBytes: 16384, logRedactNames: [],
  createdAt: now(), updatedAt: now(),
});
const envs = [mkEnv('test', 'Test', 'TEST'), mkEnv('production', 'Production', 'PRODUCTION')];
const sessions = new Map();
let failedLogins = 0;

const conn = (nodes) => ({
  nodes, edges: nodes.map((node) => ({ node, cursor: node.id })), totalCount: nodes.length,
  pageInfo: { hasPreviousPage: false, hasNextPage: false, startCursor: null, endCursor: null },
});
const findEnv = (slug) => envs.find((e) => e.slug === slug) ?? (() => { throw fail('NOT_FOUND', `no environment ${slug}`); })();

function root(ctx) {
  const me = () => ctx.admin ?? (() => { throw fail('UNAUTHENTICATED', 'sign in first'); })();
  const owner = () => { if (me().role !== 'OWNER') throw fail('FORBIDDEN', 'owners only'); return ctx.admin; };
  const logsOf = (slug) => {
    me();
    const env = findEnv(slug);
    if (!env.capabilities.requestLogs) throw fail('FORBIDDEN', `request logs are off for ${slug}`);
    return env;
  };
  // The server's ranges where the browser steps try one out; elsewhere only the lower bound.
  const RANGES = { maxSubscribers: [1, 1_000_000], maxSubscribersPerUser: [1, 10_000], maxEventsPerSecond: [1, 1_000_000],
    feedRetentionEvents: [100, 100_000_000], feedRetentionHours: [1, 8784] };
  const applyLimits = (env, limits) => {
    for (const [k, v] of Object.entries(limits ?? {})) {
      if (v == null) continue;
      const [min, max] = RANGES[k] ?? [k === 'fileQuotaBytes' ? 0 : 1, Infinity];
      if (v < min || v > max) throw fail('BAD_USER_INPUT', `must be between ${min} and ${max === Infinity ? 1000000 : max}`, `limits.${k}`);
      env.limits[k] = v;
    }
  };
  return {
    ...filesRoot({ fail, findEnv, me }),
    setupRequired: () => admins.length === 0,
    viewer: () => me(),
    environments: () => (me(), envs),
    environment: ({ slug }) => (me(), findEnv(slug)),
    admins: () => (owner(), conn(admins)),
    // No data plane here: empty logs and figures (the capability still decides).
    requestLogs: ({ environment }) => (logsOf(environment), conn([])),
    requestLog: ({ environment }) => (logsOf(environment), null),
    requestLogStats: ({ environment }) => {
      const env = logsOf(environment);
      return { stored: 0, dropped: 0, oldest: null, retentionRecords: env.logRetentionRecords, retentionDays: env.logRetentionDays };
    },
    routerStats: ({ environment }) => {
      me();
      if (!findEnv(environment).capabilities.monitoring) throw fail('FORBIDDEN', `monitoring is off for ${environment}`);
      return [];
    },
    apiTokens: () => conn(tokens.filter((t) => me().role === 'OWNER' || t.ownerEmail === me().email)),
    login: ({ email, password }) => {
      if (failedLogins >= 5) throw fail('RATE_LIMITED', 'too many attempts; try again in 60 s');
      const a = admins.find((x) => x.email === email && x.password === password);
      if (!a) { failedLogins++; throw fail('UNAUTHENTICATED', 'wrong email or password'); }
      a.lastLoginAt = now();
      ctx.login(a);
      return a;
    },
    setup: ({ token, email, password }) => {
      if (admins.length || token !== 'mock-setup-token') throw fail('FORBIDDEN', 'this setup link is not valid');
      if (password.length < 10) throw fail('BAD_USER_INPUT', 'a password needs at least 10 characters', 'password');
      const a = { id: randomUUID(), email, password, role: 'OWNER', createdAt: now(), lastLoginAt: now() };
      admins.push(a);
      ctx.login(a);
      return a;
    },
    logout: () => (ctx.logout(), true),
    updateEnvironment: ({ slug, input }) => {
      const env = findEnv(slug);
      if (me().role === 'VIEWER' || (env.kind === 'PRODUCTION' && me().role !== 'OWNER')) throw fail('FORBIDDEN', 'this needs the developer role (the owner role in production)');
      if (input.name != null) env.name = input.name;
      applyLimits(env, input.limits);
      Object.assign(env.capabilities, Object.fromEntries(Object.entries(input.capabilities ?? {}).filter(([, v]) => v != null)));
      for (const k of ['logRetentionRecords', 'logRetentionDays', 'logBodyLimitBytes', 'logRedactNames']) if (input[k] != null) env[k] = input[k];
      env.updatedAt = now();
      return env;
    },
    createEnvironment: ({ input }) => {
      owner();
      if (envs.some((e) => e.slug === input.slug)) throw fail('CONFLICT', `an environment \`${input.slug}\` exists`, 'slug');
      const env = mkEnv(input.slug, input.name ?? input.slug, 'TEST');
      envs.push(env);
      return env;
    },
    deleteEnvironment: ({ slug }) => {
      owner();
      const i = envs.findIndex((e) => e.slug === slug && e.kind !== 'PRODUCTION' && e.slug !== 'test');
      if (i < 0) throw fail('BAD_USER_INPUT', `the built-in \`${slug}\` environment cannot be deleted`, 'slug');
      envs.splice(i, 1);
      return slug;
    },
    createAdmin: ({ input }) => {
      owner();
      if (admins.some((a) => a.email === input.email)) throw fail('CONFLICT', 'an admin with this email exists', 'email');
      if (input.password.length < 10) throw fail('BAD_USER_INPUT', 'a password needs at least 10 characters', 'password');
      const a = { id: randomUUID(), ...input, createdAt: now(), lastLoginAt: null };
      admins.push(a);
      return a;
    },
    updateAdmin: ({ id, input }) => { owner(); const a = admins.find((x) => x.id === id); if (input.role) a.role = input.role; return a; },
    deleteAdmin: ({ id }) => { owner(); admins.splice(admins.findIndex((x) => x.id === id), 1); return id; },
    createApiToken: ({ input }) => {
      const token = 'sk_' + randomUUID().replaceAll('-', '');
      const t = { id: randomUUID(), name: input.name, prefix: token.slice(0, 10), role: input.role ?? me().role,
        ownerEmail: me().email, createdAt: now(), lastUsedAt: null,
        expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 864e5).toISOString() : null };
      tokens.push(t);
      return { token, apiToken: t };
    },
    revokeApiToken: ({ id }) => { tokens.splice(tokens.findIndex((t) => t.id === id), 1); return id; },
  };
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/readyz' || url.pathname === '/healthz') return res.end('ok');
  if (url.pathname === '/graphql' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { query, variables, operationName } = JSON.parse(body);
    const sid = /sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const ctx = {
      admin: sid ? sessions.get(sid) : undefined,
      login(a) { const id = randomUUID(); sessions.set(id, a); res.setHeader('set-cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`); },
      logout() { sessions.delete(sid); res.setHeader('set-cookie', 'sid=; Path=/; Max-Age=0'); },
    };
    const result = await graphql({ schema, source: query, variableValues: variables, operationName, rootValue: root(ctx) });
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(result));
  }
  if (url.pathname.startsWith('/admin/files/')) {
    const sid = /sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const admin = sid ? sessions.get(sid) : undefined;
    if (await serveFiles(req, res, url, { admin, findEnvOrNull: (slug) => envs.find((e) => e.slug === slug) ?? null })) return;
  }
  if (url.pathname === '/' || url.pathname === '/admin') { res.writeHead(302, { location: '/admin/' }); return res.end(); }
  if (url.pathname.startsWith('/admin/')) {
    const rel = url.pathname.slice('/admin/'.length);
    const file = join(dist, rel);
    const path = rel && existsSync(file) && extname(file) ? file : join(dist, 'index.html');
    res.setHeader('content-type', MIME[extname(path)] ?? 'application/octet-stream');
    return res.end(readFileSync(path));
  }
  res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.log(`mock ServerKit on http://127.0.0.1:${port}/admin/`));
