// End-to-end check of the admin SPA in a real Chromium against the real
// ServerKit binary. Plain Node ESM; exits non-zero on failure.
//   SERVERKIT_BIN=/abs/path/serverkit npm run test:browser
// Dev aid: SERVERKIT_URL=http://127.0.0.1:18080 reuses a running server (e.g.
// tests/mock-server.mjs; add SKIP_LIVE=1 there, the mock has no WebSocket).
// SERVE_DIST=1 serves this checkout's dist/ in front of the server (whose
// embedded SPA is the one it was compiled with), to try a fresh build.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { casesFormsSteps } from './cases-forms.steps.mjs';
import { deploySteps } from './deploy.steps.mjs';
import { filesSteps } from './files.steps.mjs';
import { historySteps } from './history.steps.mjs';
import { walkthroughSteps } from './walkthrough.steps.mjs';
import { workspaceSteps } from './workspace.steps.mjs';
import { startDistProxy } from './dist-proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(process.env.SERVERKIT_BIN ?? join(here, '..', '..', 'target', 'debug', 'serverkit'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EMAIL = process.env.SERVERKIT_ADMIN_EMAIL ?? 'owner@example.com';
const PASSWORD = process.env.SERVERKIT_ADMIN_PASSWORD ?? 'browser-test-password-1234';
const SHOTS = join(here, 'screenshots');
const BLOG = join(here, '..', '..', 'examples', 'blog.json');
const TIMEOUT = 15_000;
const RUN_TIMEOUT = 60_000; // a whole test run on a debug build

let server = null;
let serverLog = '';
let dataDir = null;
let browser = null;
let proxy = null;
let serverBase = '';
const results = { passed: 0, failed: 0 };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer() {
  if (process.env.SERVERKIT_URL) return process.env.SERVERKIT_URL.replace(/\/$/, '');
  if (!existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (set SERVERKIT_BIN)`);
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'serverkit-ui-'));
  server = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      SERVERKIT_LISTEN: `127.0.0.1:${port}`,
      SERVERKIT_DATA_DIR: dataDir,
      SERVERKIT_ADMIN_EMAIL: EMAIL,
      SERVERKIT_ADMIN_PASSWORD: PASSWORD,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b) => (serverLog = (serverLog + b.toString()).slice(-20_000));
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = null;
  server.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)})`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) return base;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new Error('server not ready after 30 s (GET /readyz)');
}

async function stopServer() {
  if (!server || server.exitCode !== null) return;
  const gone = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}

async function step(name, fn) {
  try {
    await fn();
    results.passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    results.failed++;
    console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n  ')}`);
    throw err;
  }
}

// The workspace steps need the real server (tests/mock-server.mjs has no workspace).
const wstep = (name, fn) => (process.env.SKIP_WORKSPACE ? console.log(`# skip - ${name}`) : step(name, fn));

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function eventually(fn, message, ms = TIMEOUT) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`${message}${last ? ` (${last.message})` : ''}`);
}

/** POST a GraphQL operation from the page (with its session cookie). */
function gqlFromPage(page, query, variables = {}) {
  return page.evaluate(
    async ({ query, variables }) => {
      const res = await fetch('/graphql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return res.json();
    },
    { query, variables },
  );
}

const revisionOf = async (page) =>
  Number(await page.getByTestId('workspace-revision').getAttribute('data-revision'));

async function run() {
  let base = await startServer();
  serverBase = base;
  console.log(`# server at ${base}`);
  // A binary embeds the dist/ it was compiled with, which may not be this checkout's (a target dir shared with
  // another clone, or a build older than `npm run build`): then ./dist is served in front of it, as with SERVE_DIST=1.
  const embedded = await fetch(`${base}/admin/`).then((r) => r.text()).catch(() => '');
  const stale = embedded !== readFileSync(join(here, '..', 'dist', 'index.html'), 'utf8');
  if (process.env.SERVE_DIST || stale) {
    proxy = await startDistProxy(base);
    base = proxy.url;
    console.log(`# serving ./dist through ${base}${stale && !process.env.SERVE_DIST ? ' (the server embeds another build of dist/)' : ''}`);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && console.log(`# console: ${msg.text()}`));
  page.on('dialog', (dialog) => dialog.accept()); // confirm() of deletes and imports

  await step('signed-out visit of /admin/ lands on the login page', async () => {
    await page.goto(`${base}/admin/`);
    await page.waitForURL(/\/admin\/login/);
    await page.getByTestId('login-form').waitFor();
  });

  await step('a wrong password shows an error', async () => {
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('definitely-not-the-password');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    const text = await error.innerText();
    assert(/wrong email or password/i.test(text), `unexpected login error: ${text}`);
    assert(/\/admin\/login/.test(page.url()), 'still on the login page');
  });

  await step('signing in shows both environment cards on the dashboard', async () => {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => u.pathname === '/admin/');
    await page.getByTestId('env-card-test').waitFor();
    await page.getByTestId('env-card-production').waitFor();
    assert((await page.getByTestId('viewer-email').innerText()).trim() === EMAIL, 'header shows the email');
    assert(/owner/i.test(await page.getByTestId('viewer-role').innerText()), 'header shows the role');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  if (!process.env.SKIP_LIVE) {
    await step('the dashboard updates live when an environment changes elsewhere', async () => {
      await page.locator('[data-testid="live-status"][data-connected="true"]').waitFor();
      const card = page.getByTestId('env-card-test').getByTestId('env-name');
      const original = (await card.innerText()).trim();
      const rename = (name) =>
        page.evaluate(async (name) => {
          const res = await fetch('/graphql', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query: 'mutation($n: String!) { updateEnvironment(slug: "test", input: { name: $n }) { name } }',
              variables: { n: name },
            }),
          });
          return res.json();
        }, name);
      // The subscription may still be starting on the server: retry a few times.
      let seen = false;
      for (let i = 1; i <= 5 && !seen; i++) {
        const res = await rename(`Live ${i}`);
        assert(!res.errors, `updateEnvironment failed: ${JSON.stringify(res.errors)}`);
        seen = await eventually(async () => (await card.innerText()).trim() === `Live ${i}`, '', 2_000)
          .then(() => true, () => false);
      }
      assert(seen, 'the test card did not pick up the rename over the subscription');
      await rename(original);
      await eventually(async () => (await card.innerText()).trim() === original, 'rename back arrived');
    });
  }

  let newValue = '';
  await step('settings: change test "Requests per second", save, see "Saved"', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/admin\/settings/);
    const form = page.getByTestId('env-settings-test');
    const input = form.getByLabel('Requests per second');
    await input.waitFor();
    const old = await input.inputValue();
    newValue = old === '250' ? '251' : '250';
    await input.fill('0');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByText('greater than 0').waitFor();
    await input.fill(newValue);
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
  });

  await step('the saved value survives a reload', async () => {
    await page.reload();
    const input = page.getByTestId('env-settings-test').getByLabel('Requests per second');
    await input.waitFor();
    await eventually(async () => (await input.inputValue()) === newValue, `value is ${newValue} after reload`);
  });

  if (!process.env.SKIP_WORKSPACE) await (await import('./routers.steps.mjs')).routersSteps({ page, base, serverBase, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });

  await wstep('routers: importing examples/blog.json lists its 8 routers', async () => {
    await page.getByRole('link', { name: 'Routers' }).click();
    await page.waitForURL(/\/admin\/routers/);
    await page.getByTestId('workspace-revision').waitFor();
    await page.getByTestId('import-file').setInputFiles(BLOG);
    await page.getByTestId('toast').filter({ hasText: 'Imported blog.json' }).waitFor();
    const items = page.locator('[data-testid^="router-item-"]');
    await eventually(async () => (await items.count()) === 8, 'eight routers listed');
    await page.getByTestId('router-item-getPost').getByText('/posts/{id}').waitFor();
  });

  let stepsText = '';
  await wstep('routers: a step on a missing table shows a problem at steps[0] after Validate', async () => {
    await page.getByTestId('router-item-getPost').click();
    await page.waitForURL(/router=getPost/);
    const steps = page.locator('#router-steps');
    await eventually(async () => (await steps.inputValue()).includes('"posts"'), 'steps of getPost loaded');
    stepsText = await steps.inputValue();
    await steps.fill(stepsText.replace('"table": "posts"', '"table": "nope"'));
    await page.getByTestId('router-validate').click();
    const problems = page.getByTestId('router-problems');
    await problems.waitFor();
    const text = await problems.innerText();
    assert(text.includes('steps[0]') && text.includes('nope'), `problem names steps[0]: ${text}`);
    const marked = page.getByTestId('steps-editor').locator('.n.line');
    assert((await marked.count()) >= 1, 'the offending line is marked in the steps editor');
    await page.screenshot({ path: join(SHOTS, 'routers.png'), fullPage: true });
  });

  await wstep('routers: fixed and saved, the revision goes up', async () => {
    const before = await revisionOf(page);
    await page.locator('#router-steps').fill(stepsText);
    await page.getByLabel('Description').fill('One post by id.');
    await page.getByTestId('router-validate').click();
    await page.getByTestId('router-valid').waitFor();
    await page.getByTestId('router-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Router getPost saved' }).waitFor();
    await eventually(async () => (await revisionOf(page)) === before + 1, `revision is ${before + 1}`);
  });

  await wstep('routers: an edited router changed elsewhere meets a conflict and offers Reload', async () => {
    // Edited here first: a live update leaves an edited draft alone.
    await page.getByLabel('Description').fill('Edited on a stale revision.');
    const ws = await gqlFromPage(page, '{ workspace { routers { name definition } } }');
    const def = ws.data.workspace.routers.find((r) => r.name === 'getPost').definition;
    const put = await gqlFromPage(page, 'mutation($d: JSON!) { putRouter(definition: $d) { revision } }', {
      d: { ...def, description: 'Changed elsewhere.' },
    });
    assert(!put.errors, `putRouter failed: ${JSON.stringify(put.errors)}`);
    await page.getByTestId('router-save').click();
    await page.getByTestId('conflict-reload').click();
    await eventually(async () => (await page.getByLabel('Description').inputValue()) === 'Changed elsewhere.', 'reloaded draft');
  });

  if (!process.env.SKIP_LIVE) {
    await wstep('routers: a group saved elsewhere shows up live, without a reload', async () => {
      await page.getByRole('tab', { name: 'Groups' }).click();
      await page.getByTestId('group-row-editors').waitFor();
      const res = await gqlFromPage(page, 'mutation { putGroup(name: "staff", description: "elsewhere") { revision } }');
      assert(!res.errors, `putGroup failed: ${JSON.stringify(res.errors)}`);
      await page.getByTestId('group-row-staff').waitFor();
    });
  } else if (!process.env.SKIP_WORKSPACE) {
    await page.getByRole('tab', { name: 'Groups' }).click();
  }

  await wstep('routers: a new router for a group is created, renamed and deleted', async () => {
    await page.locator('#group-name').fill('writers');
    await page.locator('#group-description').fill('Guest authors.');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByTestId('group-row-writers').waitFor();
    await page.getByRole('tab', { name: 'Routers' }).click();
    await page.getByTestId('new-router').click();
    await page.getByLabel('Name', { exact: true }).fill('ping');
    await page.getByLabel('Path').fill('/ping');
    await page.getByLabel('Groups', { exact: true }).check();
    await page.getByRole('group', { name: 'Allowed groups' }).getByLabel('writers').check();
    await page.getByTestId('router-save').click();
    await page.getByTestId('router-item-ping').waitFor();
    await page.waitForURL(/router=ping/);
    await page.getByLabel('Name', { exact: true }).fill('pong');
    await page.getByTestId('router-save').click();
    await page.getByTestId('router-item-pong').waitFor();
    assert((await page.getByTestId('router-item-ping').count()) === 0, 'the rename replaced ping');
    await page.getByTestId('router-delete').click();
    await eventually(async () => (await page.getByTestId('router-item-pong').count()) === 0, 'pong deleted');
    await page.getByTestId('router-empty').waitFor();
  });

  await wstep('new group, router and table: a name in use is refused at the name field and nothing is saved', async () => {
    const before = await revisionOf(page);
    const saved = async () => (await gqlFromPage(page, '{ workspace { revision document } }')).data.workspace;
    const original = await saved();
    // The group form: writers exists (the step above made it).
    await page.getByRole('tab', { name: 'Groups' }).click();
    await page.locator('#group-name').fill('writers');
    await page.locator('#group-description').fill('Not the guest authors.');
    await page.getByRole('button', { name: 'Create group' }).click();
    const groupError = page.locator('#group-name-error');
    await groupError.waitFor();
    assert((await groupError.innerText()).includes('a group named `writers` exists'), `at the name: ${await groupError.innerText()}`);
    assert((await page.locator('#group-name').getAttribute('aria-invalid')) === 'true', 'the name field is marked invalid');
    assert((await page.getByTestId('conflict-reload').count()) === 0, 'no Reload offered: nobody else saved');
    assert((await page.getByTestId('group-row-writers').innerText()).includes('Guest authors.'), 'writers keeps its description');
    await page.locator('#group-name').fill('');
    // The new-router form: getPost exists.
    await page.getByRole('tab', { name: 'Routers' }).click();
    await page.getByTestId('new-router').click();
    await page.getByLabel('Name', { exact: true }).fill('getPost');
    await page.getByLabel('Path').fill('/elsewhere');
    await page.getByTestId('router-save').click();
    const routerError = page.locator('#router-name-error');
    await routerError.waitFor();
    assert((await routerError.innerText()).includes('a router named `getPost` exists'), `at the name: ${await routerError.innerText()}`);
    assert((await page.getByTestId('conflict-reload').count()) === 0, 'no Reload offered for a name in use');
    await page.getByTestId('router-discard').click();
    await eventually(async () => (await page.getByTestId('router-dirty').count()) === 0, 'the new router discarded');
    // The new-table form: posts exists.
    await page.getByRole('link', { name: 'Database' }).click();
    await page.waitForURL(/\/admin\/database/);
    await page.getByTestId('new-table').click();
    await page.locator('#table-name').fill('posts');
    await page.getByTestId('add-column').click();
    await page.getByTestId('column-row-0').getByLabel('Column name').fill('label');
    await page.getByTestId('table-save').click();
    const tableError = page.locator('#table-name-error');
    await tableError.waitFor();
    assert((await tableError.innerText()).includes('a table named `posts` exists'), `at the name: ${await tableError.innerText()}`);
    assert((await page.getByTestId('conflict-reload').count()) === 0, 'no Reload offered for a name in use');
    await page.screenshot({ path: join(SHOTS, 'name-in-use.png'), fullPage: true });
    // Nothing was saved: the same revision, every definition as it was.
    assert((await revisionOf(page)) === before, 'the revision did not move');
    const after = await saved();
    assert(after.revision === original.revision && JSON.stringify(after.document) === JSON.stringify(original.document), 'the workspace is unchanged');
  });

  await wstep('database: posts gets an integer column "views" (default 0) that survives a reload', async () => {
    await page.getByRole('link', { name: 'Database' }).click();
    await page.waitForURL(/\/admin\/database/);
    await page.getByTestId('table-item-comments').waitFor();
    await page.getByTestId('table-item-posts').click();
    const rows = page.locator('[data-testid^="column-row-"]');
    const columns = JSON.parse(readFileSync(BLOG, 'utf8')).tables.find((t) => t.name === 'posts').columns.length;
    await eventually(async () => (await rows.count()) === columns, `posts has ${columns} columns`);
    await page.getByTestId('add-column').click();
    const row = page.getByTestId(`column-row-${columns}`);
    await row.getByLabel('Column name').fill('views');
    await row.getByLabel('Type').selectOption('integer');
    await row.getByLabel('Default').fill('0');
    await page.getByTestId('table-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Table posts saved' }).waitFor();
    // A problem shows next to the column it names (then the reload drops the edit).
    await page.getByTestId('column-row-0').getByLabel('Min').fill('300');
    await page.getByTestId('table-validate').click();
    const problem = page.getByTestId('column-problems-0');
    await problem.waitFor();
    assert(/greater than max/.test(await problem.innerText()), 'min > max is shown under the title column');
    await page.screenshot({ path: join(SHOTS, 'tables.png'), fullPage: true });
    await page.reload();
    await page.getByTestId('table-item-posts').click();
    const views = page.locator('[data-testid="columns-grid"] tr[data-column="views"]');
    await views.waitFor();
    assert((await views.getByLabel('Type').inputValue()) === 'integer', 'views is an integer column');
    assert((await views.getByLabel('Default').inputValue()) === '0', 'views defaults to 0');
  });

  await wstep('database: deleting a table routers use is refused with the problems listed', async () => {
    await page.getByTestId('table-delete').click();
    const problems = page.getByTestId('workspace-problems');
    await problems.waitFor();
    assert(/routers\.getPost\.steps\[0\]/.test(await problems.innerText()), 'lists the routers using posts');
    await page.getByTestId('table-item-posts').waitFor();
  });

  await wstep('refresh: the test environment serves the blog (2 tables created, 8 routers)', async () => {
    await page.getByTestId('refresh-button').click();
    const dialog = page.getByTestId('refresh-dialog');
    await dialog.getByTestId('migration-changes').waitFor();
    const planned = dialog.locator('li[data-kind="createTable"]');
    await eventually(async () => (await planned.count()) === 2, 'the plan creates 2 tables');
    await dialog.getByTestId('refresh-run').click();
    const result = dialog.getByTestId('refresh-result');
    await result.waitFor();
    const text = await result.innerText();
    assert(/8 routers served/.test(text), `result names 8 routers: ${text}`);
    assert((await dialog.locator('li[data-kind="createTable"]').count()) === 2, 'the result lists 2 created tables');
    const revision = await revisionOf(page);
    assert(text.includes(`revision ${revision}`), `serves revision ${revision}: ${text}`);
    await page.locator(`[data-testid="serving-revision"][data-revision="${revision}"]`).waitFor();
  });

  await wstep('refresh: the dialog follows the test run it started to 29 of 29 passed, linked to Tests', async () => {
    const dialog = page.getByTestId('refresh-dialog');
    const run = dialog.locator('[data-testid="refresh-test-run"][data-status="PASSED"]');
    await run.waitFor({ timeout: RUN_TIMEOUT });
    const counts = await run.evaluate((el) => [el.dataset.done, el.dataset.total, el.dataset.passed, el.dataset.failed].join(' '));
    assert(counts === '29 29 29 0', `done, total, passed, failed: ${counts}`);
    await page.screenshot({ path: join(SHOTS, 'refresh.png'), fullPage: true });
    await dialog.getByTestId('refresh-tests-link').click();
    await page.waitForURL(/\/admin\/tests/);
    await eventually(async () => (await page.getByTestId('refresh-dialog').count()) === 0, 'following the link closes the dialog');
    await page.locator('[data-testid="case-groups"][data-count="29"]').waitFor();
    await page.locator('[data-testid="test-run"][data-status="PASSED"][data-passed="29"]').waitFor();
    const statuses = await page.locator('[data-case]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert(statuses.length === 29 && statuses.every((s) => s === 'PASSED'), `every case passed: ${statuses.join(', ')}`);
    const kinds = await page.getByTestId('case-kind').allInnerTexts();
    assert(kinds.every((k) => k.trim() === 'generated'), `all generated: ${kinds.join(', ')}`);
    await page.getByTestId('router-cases-deletePost').getByText('/posts/{id}').waitFor();
  });

  if (!process.env.SKIP_LIVE) {
    await wstep('refresh: a refresh done elsewhere shows as a toast and moves "serving revision"', async () => {
      const put = await gqlFromPage(page, 'mutation { putGroup(name: "readers", description: "Read early drafts.") { revision } }');
      assert(!put.errors, `putGroup failed: ${JSON.stringify(put.errors)}`);
      const revision = put.data.putGroup.revision;
      const res = await gqlFromPage(page, 'mutation { refresh(environment: "test") { revision } }');
      assert(!res.errors, `refresh failed: ${JSON.stringify(res.errors)}`);
      await page.getByTestId('toast').filter({ hasText: `refreshed elsewhere: now serving revision ${revision}` }).waitFor();
      await page.locator(`[data-testid="serving-revision"][data-revision="${revision}"]`).waitFor();
    });
  }

  if (!process.env.SKIP_LIVE) {
    const caseRow = (name) => page.getByTestId(`case-${name}`);
    const HAPPY = 'getPost: happy path';
    let getPost = null;

    await wstep('tests: a router broken on purpose fails its happy path, with the diff, the curl and its log record', async () => {
      await page.getByRole('link', { name: 'Tests', exact: true }).click();
      await page.waitForURL(/\/admin\/tests/);
      await caseRow(HAPPY).waitFor();
      const ws = await gqlFromPage(page, '{ workspace { routers { name definition } } }');
      getPost = ws.data.workspace.routers.find((r) => r.name === 'getPost').definition;
      // Generated cases follow their router (a respond status of 202 is what the
      // happy path then expects): a check that always refuses breaks it for real.
      const broken = { ...getPost, steps: getPost.steps.map((s) => (s.check ? { check: { ...s.check, condition: 'false' } } : s)) };
      const put = await gqlFromPage(page, 'mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: broken });
      assert(!put.errors, `putRouter failed: ${JSON.stringify(put.errors)}`);
      // Refreshed elsewhere: the page follows the new revision and the run it started.
      const res = await gqlFromPage(page, 'mutation { refresh(environment: "test", runTests: true) { revision testRun { id } } }');
      assert(!res.errors && res.data.refresh.testRun, `refresh failed: ${JSON.stringify(res)}`);
      const { revision } = res.data.refresh;
      await page.locator(`[data-testid="test-run"][data-run="${res.data.refresh.testRun.id}"][data-status="FAILED"]`)
        .waitFor({ timeout: RUN_TIMEOUT });
      const row = page.locator(`[data-testid="case-${HAPPY}"][data-status="FAILED"]`);
      await row.waitFor();
      assert(/serving revision \d+/.test(await page.locator('.page-head').innerText()), 'the page names the served revision');
      const failure = row.locator('[data-testid="failure"][data-what="status"]');
      await failure.waitFor(); // failed cases open by themselves
      assert((await failure.getByTestId('failure-expected').innerText()).trim() === '200', 'expected 200');
      assert((await failure.getByTestId('failure-actual').innerText()).trim() === '404', 'actual 404');
      const curl = (await row.getByTestId('case-curl').innerText()).trim();
      assert(/^curl -X GET '.*\/env\/test\/posts\/\d+'$/.test(curl), `curl repeats GET /posts/{id}: ${curl}`);
      await row.getByRole('button', { name: /^Copy curl/ }).waitFor();
      assert((await row.locator('[data-testid="case-steps"] > li').count()) === 2, 'the case creates a post, then reads it');
      await page.screenshot({ path: join(SHOTS, 'tests-failed.png'), fullPage: true });
      const link = row.getByTestId('case-log-link').last();
      const id = await link.getAttribute('data-id');
      await link.click();
      await page.waitForURL(new RegExp(`/admin/api\\?.*log=${id}`));
      const drawer = page.locator(`[data-testid="log-drawer"][data-id="${id}"]`);
      await drawer.waitFor();
      await drawer.locator('.status[data-status="404"]').waitFor();
      assert((await drawer.getByTestId('log-request-id').innerText()).trim() === id, 'the drawer shows that record');
      await drawer.getByTestId('log-drawer-close').click();
      await eventually(async () => !page.url().includes('log='), 'closing the drawer drops ?log=');
      assert(revision > 0, 'a revision was served');
    });

    await wstep('tests: restored, Run all goes green live; one case runs alone and the others keep their result', async () => {
      const put = await gqlFromPage(page, 'mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: getPost });
      assert(!put.errors, `putRouter failed: ${JSON.stringify(put.errors)}`);
      const res = await gqlFromPage(page, 'mutation { refresh(environment: "test", runTests: false) { revision testRun { id } } }');
      assert(!res.errors && res.data.refresh.testRun === null, `refresh without a run: ${JSON.stringify(res)}`);
      await page.getByRole('link', { name: 'Tests', exact: true }).click();
      await page.getByTestId('test-run-none').getByText(`No run of revision ${res.data.refresh.revision} yet.`).waitFor();
      await page.getByTestId('run-all').click();
      await page.locator('[data-testid="test-run"][data-status="PASSED"][data-done="29"]').waitFor({ timeout: RUN_TIMEOUT });
      await page.locator(`[data-testid="case-${HAPPY}"][data-status="PASSED"]`).waitFor();
      const before = await page.locator('[data-testid="test-run"]').getAttribute('data-run');
      await caseRow(HAPPY).getByTestId('case-run').click();
      const single = page.locator('[data-testid="test-run"][data-status="PASSED"][data-total="1"]');
      await single.waitFor({ timeout: RUN_TIMEOUT });
      assert((await single.getAttribute('data-run')) !== before, 'a new run');
      await page.getByTestId('run-bar').getByText('1 of 29 cases of revision').waitFor();
      const statuses = await page.locator('[data-case]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
      assert(statuses.length === 29 && statuses.every((s) => s === 'PASSED'), `the others keep their result: ${statuses.join(', ')}`);
      await page.screenshot({ path: join(SHOTS, 'tests.png'), fullPage: true });
    });

    const SAVED = 'stats: editors see the counts';
    await wstep('api console: as a member of editors, GET /stats answers 200 with its trace (anonymous: 401)', async () => {
      await page.getByRole('link', { name: 'API', exact: true }).click();
      await page.waitForURL(/\/admin\/api/);
      await page.getByTestId('tab-console').click();
      await page.getByTestId('console-router').selectOption('stats');
      assert((await page.getByTestId('console-path').inputValue()) === '/stats', 'the path is prefilled');
      await page.getByLabel('Anonymous').check();
      await page.getByTestId('console-send').click();
      await page.locator('[data-testid="console-result"][data-status="401"]').waitFor();
      await page.getByLabel('Member of a group').check();
      await page.getByTestId('console-group').selectOption('editors');
      await page.getByTestId('console-send').click();
      const result = page.locator('[data-testid="console-result"][data-status="200"]');
      await result.waitFor();
      const steps = result.locator('[data-testid="log-trace"] li');
      assert((await steps.count()) === 5, `the trace lists stats' 5 steps: ${await result.getByTestId('log-trace').innerText()}`);
      assert((await steps.nth(3).getAttribute('data-kind')) === 'script', 'the fourth step is the script');
      assert(/"posts": \d+/.test(await result.getByTestId('console-body-view').innerText()), 'the body is pretty JSON');
      const curl = await result.getByTestId('console-curl').innerText();
      assert(curl.includes('/env/test/stats') && curl.includes('$TOKEN'), `curl: ${curl}`);
      await result.getByRole('button', { name: /^Copy as cURL/ }).waitFor();
      // The path params of a router become inputs, its body an example from its input schema.
      await page.getByTestId('console-router').selectOption('createComment');
      assert((await page.getByTestId('console-param-id').inputValue()) === '1', 'the {id} param is prefilled');
      assert(JSON.parse(await page.locator('#console-body').inputValue()).body === 'example', 'the body is an example');
      await page.getByTestId('console-router').selectOption('stats');
      await page.getByTestId('console-group').selectOption('editors');
      await page.screenshot({ path: join(SHOTS, 'api-console.png'), fullPage: true });
    });

    await wstep('api console: saved as a test case, it is in the workspace; after a refresh, on Tests as written and green', async () => {
      await page.getByTestId('console-save-case').click();
      const dialog = page.getByTestId('case-editor'); // the case as a form, made from what the console got
      await dialog.getByTestId('case-name').fill(SAVED);
      await dialog.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: `Test case “${SAVED}” stored` }).waitFor();
      const doc = (await gqlFromPage(page, '{ workspace { document } }')).data.workspace.document;
      const saved = (doc.tests ?? []).find((t) => t.name === SAVED);
      assert(saved && saved.router === 'stats' && saved.generated === false, `saved as written: ${JSON.stringify(doc.tests)}`);
      assert(JSON.stringify(saved.actAs) === '{"group":"editors"}', `acts as editors: ${JSON.stringify(saved.actAs)}`);
      await page.getByRole('link', { name: 'Tests', exact: true }).click();
      await page.getByTestId('tests-pending').getByText(SAVED).waitFor(); // not served yet
      assert((await caseRow(SAVED).count()) === 0, 'not listed before the refresh');
      await page.getByTestId('refresh-button').click();
      const refresh = page.getByTestId('refresh-dialog');
      await refresh.getByTestId('migration-changes').waitFor();
      await refresh.getByTestId('refresh-run').click();
      await refresh.locator('[data-testid="refresh-test-run"][data-status="PASSED"][data-total="30"]').waitFor({ timeout: RUN_TIMEOUT });
      await refresh.getByRole('button', { name: 'Done' }).click();
      const row = page.locator(`[data-testid="case-${SAVED}"][data-status="PASSED"]`);
      await row.waitFor();
      assert((await row.getByTestId('case-kind').innerText()).trim() === 'written', 'a written case');
      assert((await page.getByTestId('tests-pending').count()) === 0, 'nothing pending after the refresh');
    });

    await wstep('tests: a case with a mistake shows the problem at its line; fixed, saved, then deleted', async () => {
      await page.getByTestId('router-cases-stats').getByTestId('router-add-case').click();
      const editor = page.getByTestId('case-editor');
      await editor.getByTestId('case-view-json').click();
      const json = editor.locator('#case-json');
      const template = JSON.parse(await json.inputValue());
      assert(template.router === 'stats' && template.steps[0].path === '/stats', `template for stats: ${JSON.stringify(template)}`);
      assert(JSON.stringify(template.actAs) === '{"group":"editors"}', 'the template calls as a group the rule admits');
      const bad = { ...template, name: 'stats: written by hand', steps: [{ ...template.steps[0], expect: { status: 999 } }] };
      await json.fill(JSON.stringify(bad, null, 2));
      await editor.getByTestId('case-save').click();
      const problems = editor.getByTestId('case-problems');
      await problems.waitFor();
      assert((await problems.innerText()).includes('steps[0].expect.status'), `problem located: ${await problems.innerText()}`);
      assert((await editor.locator('[data-testid="case-json"] .n.line').count()) >= 1, 'the line is marked in the editor');
      await json.fill(JSON.stringify({ ...bad, steps: [{ ...template.steps[0], expect: { status: 200 } }] }, null, 2));
      await editor.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Test case “stats: written by hand” stored' }).waitFor();
      const pending = page.getByTestId('tests-pending').getByRole('button', { name: 'stats: written by hand' });
      await pending.click();
      await page.getByTestId('case-editor').getByTestId('case-delete').click(); // confirm() is accepted
      await page.getByTestId('toast').filter({ hasText: 'Test case “stats: written by hand” deleted' }).waitFor();
      await eventually(async () => (await page.getByTestId('tests-pending').count()) === 0, 'nothing pending after the delete');
    });

    await wstep('dashboard: counts, the last run, and downloads that answer 200 with their file names', async () => {
      await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
      const overview = page.locator('[data-testid="env-overview"][data-slug="test"]');
      await overview.waitFor();
      await eventually(async () => (await overview.getByTestId('count-routers').innerText()).trim() === '8', 'eight routers');
      assert((await overview.getByTestId('count-tables').innerText()).trim() === '2', 'two tables');
      await eventually(async () => /^\d+$/.test((await overview.getByTestId('count-rows').innerText()).trim()), 'rows counted');
      await overview.locator('[data-testid="last-run"][data-status="PASSED"]').waitFor();
      const revision = Number(await overview.getByTestId('overview-served').getAttribute('data-revision'));
      const current = (await gqlFromPage(page, '{ workspace { revision } }')).data.workspace.revision;
      const expected = {
        postman: 'serverkit-test.postman_collection.json',
        openapi: 'serverkit-test-openapi.json',
        workspace: `serverkit-workspace-r${current}.json`,
      };
      for (const [id, file] of Object.entries(expected)) {
        const url = await overview.getByTestId(`download-${id}`).getAttribute('href');
        const got = await page.evaluate(async (u) => {
          const r = await fetch(u, { credentials: 'same-origin' });
          return { status: r.status, disposition: r.headers.get('content-disposition'), body: await r.text() };
        }, url);
        assert(got.status === 200, `${url} answered ${got.status}`);
        assert(got.disposition?.startsWith('attachment;') && got.disposition.includes(`filename="${file}"`),
          `${url}: Content-Disposition ${got.disposition}`);
        const body = JSON.parse(got.body);
        if (id === 'openapi') assert(body.openapi === '3.1.0' && body.info.version === `revision ${revision}`, 'OpenAPI of the served revision');
        if (id === 'postman') assert(/v2\.1/.test(body.info.schema), 'a Postman v2.1 collection');
        if (id === 'workspace') assert(body.format === 'serverkit.workspace', 'the workspace document');
      }
      await page.screenshot({ path: join(SHOTS, 'dashboard-overview.png'), fullPage: true });
    });
  }

  const endUser = { email: 'reader@example.com', password: 'reader-password-1234' };
  let postId = 1;
  await wstep('data plane: an end user signs up and writes a post (plain fetch)', async () => {
    const signup = await fetch(`${serverBase}/env/test/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(endUser),
    });
    const auth = await signup.json();
    assert(signup.status === 201 && auth.token, `signup: ${signup.status} ${JSON.stringify(auth)}`);
    const post = await fetch(`${serverBase}/env/test/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` },
      body: JSON.stringify({ title: 'Hello from the browser test', body: 'First!', published: true }),
    });
    const created = await post.text();
    assert(post.status === 201, `create post: ${post.status} ${created}`);
    postId = JSON.parse(created).id;
  });

  await wstep('settings: the test environment masks an extra name in its request logs', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/admin\/settings/);
    const form = page.getByTestId('env-settings-test');
    const records = form.getByLabel('Retention (records)');
    await eventually(async () => Number(await records.inputValue()) >= 100, 'log retention shown');
    await form.getByLabel('Extra names to mask').fill('X-Probe');
    await form.getByRole('button', { name: 'Add', exact: true }).click();
    await form.getByRole('list', { name: 'Names masked in request logs' }).getByText('x-probe').waitFor();
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved' }).waitFor();
    const res = await gqlFromPage(page, '{ environment(slug: "test") { logRedactNames } }');
    assert(JSON.stringify(res.data?.environment?.logRedactNames) === '["x-probe"]', `saved: ${JSON.stringify(res)}`);
  });

  /** Calls the test environment from outside the browser; resolves to the record id (x-request-id). */
  const callApi = async (path, init = {}) => {
    const res = await fetch(`${serverBase}/env/test${path}`, init);
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id');
    assert(id, `no x-request-id on ${path} (${res.status})`);
    return { id, status: res.status };
  };
  /** Repeats an outside call until its record shows in the log panel (the tail may still be starting). */
  const callUntilListed = async (path, init = {}, tries = 6) => {
    for (let i = 0; i < tries; i++) {
      const { id, status } = await callApi(path, init);
      const row = page.getByTestId(`log-row-${id}`);
      const seen = await row.waitFor({ timeout: 2_500 }).then(() => true, () => false);
      if (seen) return { id, status, row };
    }
    throw new Error(`no request to ${path} appeared in the log after ${tries} tries`);
  };
  const logRows = page.locator('[data-testid="log-table"] tbody tr[data-testid^="log-row-"]');

  if (!process.env.SKIP_LIVE) {
    await wstep('api: with Live on, a request made outside appears in the log without a reload', async () => {
      await page.getByRole('link', { name: 'API', exact: true }).click();
      await page.waitForURL(/\/admin\/api/);
      await page.getByTestId('router-stat-listPosts').waitFor();
      await page.locator('[data-testid="log-live"][aria-pressed="true"]').waitFor();
      await page.locator('[data-testid="log-live"][data-connected="true"]').waitFor();
      await eventually(async () => Number(await page.getByTestId('log-table').getAttribute('data-count')) >= 1,
        'the earlier requests are listed');
      await page.evaluate(() => (window.__sameDocument = true));
      const { row, status } = await callUntilListed('/posts');
      assert(status === 200, `GET /posts answered ${status}`);
      assert((await row.getAttribute('data-live')) === 'true', 'the row came over the live tail');
      assert((await row.getAttribute('data-router')) === 'listPosts', 'the row names its router');
      assert(await page.evaluate(() => window.__sameDocument === true), 'the page was not reloaded');
      await page.screenshot({ path: join(SHOTS, 'api.png'), fullPage: true });
      const stat = page.getByTestId('router-stat-listPosts');
      await page.getByTestId('window-FIVE_MINUTES').click();
      await eventually(async () => Number(await stat.getAttribute('data-requests')) >= 1, 'routerStats counts GET /posts');
    });

    await wstep('api: filtering by status class or router narrows the list', async () => {
      const missing = await callUntilListed('/no-such-route');
      assert(missing.status === 404, `unmatched answered ${missing.status}`);
      const statuses = async () => logRows.evaluateAll((rows) => rows.map((r) => Number(r.dataset.status)));
      const routers = async () => logRows.evaluateAll((rows) => rows.map((r) => r.dataset.router));
      // Unfiltered, the list mixes classes and routers; each filter keeps only what it names.
      assert((await statuses()).some((s) => s < 400), 'successful requests are listed before filtering');
      assert((await routers()).some((r) => r !== 'listPosts'), 'other routers are listed before filtering');
      let seen = [];
      const only = (what, read, keep) =>
        eventually(async () => (seen = await read()).length >= 1 && seen.every(keep), what).catch((e) => {
          throw new Error(`${e.message}: ${seen.join(', ')}`);
        });
      await page.getByTestId('filter-status-class').selectOption('4');
      await only('only 4xx rows after filtering by status class', statuses, (s) => s >= 400 && s < 500);
      await page.getByTestId(`log-row-${missing.id}`).waitFor();
      await page.getByTestId('filter-clear').click();
      await only('every class again after Clear', statuses, () => true);
      await eventually(async () => (await statuses()).some((s) => s < 400), 'successful rows again after Clear');
      await page.getByTestId('filter-router').selectOption('listPosts');
      await only('only listPosts rows after filtering by router', routers, (r) => r === 'listPosts');
      // Still live with the filter: a matching call shows, the 404 stays out.
      await callUntilListed('/posts');
      assert((await page.getByTestId(`log-row-${missing.id}`).count()) === 0, 'the unmatched request is filtered out');
      await page.getByTestId('filter-clear').click();
      await page.getByTestId(`log-row-${missing.id}`).waitFor();
    });

    await wstep('api: clicking a row opens the drawer with headers, body and trace', async () => {
      const login = await fetch(`${serverBase}/env/test/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(endUser),
      });
      const { token } = await login.json();
      assert(login.status === 200 && token, `login: ${login.status}`);
      // A comment (the rows steps below count posts): get the post, insert, respond.
      const { row, status } = await callUntilListed(`/posts/${postId}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-probe': 'probe-secret' },
        body: JSON.stringify({ body: 'Logged by the browser test' }),
      });
      assert(status === 201, `POST /posts/${postId}/comments answered ${status}`);
      assert((await row.innerText()).includes(endUser.email), 'the row names the caller');
      await row.click();
      const drawer = page.getByTestId('log-drawer');
      const headers = drawer.getByTestId('log-request-headers');
      await headers.waitFor();
      const headerText = await headers.innerText();
      assert(/authorization\s+\*\*\*/i.test(headerText), `authorization is masked: ${headerText}`);
      assert(/x-probe\s+\*\*\*/i.test(headerText) && !headerText.includes('probe-secret'), `x-probe is masked: ${headerText}`);
      const body = drawer.getByTestId('log-request-body');
      assert((await body.getAttribute('data-json')) === 'true', 'the request body is shown as JSON');
      assert((await body.innerText()).includes('"body": "Logged by the browser test"'), 'the body is pretty-printed');
      assert((await drawer.getByTestId('log-response-body').innerText()).includes('Logged by the browser test'), 'response body');
      await drawer.getByTestId('log-response-headers').getByText('content-type').waitFor();
      const steps = drawer.locator('[data-testid="log-trace"] li');
      assert((await steps.count()) === 3, `the trace lists the 3 steps: ${await drawer.getByTestId('log-trace').innerText()}`);
      assert((await steps.nth(1).getAttribute('data-kind')) === 'insert', 'the second step inserts');
      assert((await drawer.getByTestId('log-request-id').innerText()).trim() === (await row.getAttribute('data-testid')).slice('log-row-'.length),
        'the drawer shows the request id');
      await page.screenshot({ path: join(SHOTS, 'api-drawer.png') });
      await drawer.getByTestId('log-drawer-close').click();
      await eventually(async () => (await page.getByTestId('log-drawer').count()) === 0, 'the drawer closes');
    });

    await wstep('dashboard: the last hour of traffic is charted from routerStats', async () => {
      await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
      const chart = page.getByTestId('traffic-requests');
      await chart.waitFor();
      await eventually(async () => Number(await chart.getAttribute('data-total')) >= 3, 'the requests chart counts the calls');
      assert((await chart.locator('rect').count()) === 60, 'one bar per minute');
      await page.screenshot({ path: join(SHOTS, 'dashboard-traffic.png') });
    });
  }

  await wstep('api: production says request logs and monitoring are off and how to turn them on', async () => {
    await page.getByRole('link', { name: 'API', exact: true }).click();
    await page.waitForURL(/\/admin\/api/);
    const asked = [];
    const record = (req) => {
      const body = req.method() === 'POST' && req.url().endsWith('/graphql') ? req.postData() ?? '' : '';
      if (/requestLog|routerStats/.test(body) && body.includes('"production"')) asked.push(body.slice(0, 120));
    };
    page.on('request', record);
    await page.getByTestId('env-switcher').selectOption('production');
    const off = page.getByTestId('logs-off');
    await off.waitFor();
    const text = await off.innerText();
    assert(/request logging is off for production/i.test(text), `says logs are off: ${text}`);
    assert(/owner ticks “Request logs”/.test(text) && /Settings/.test(text), `says how to turn them on: ${text}`);
    await off.getByRole('link', { name: 'Settings' }).waitFor();
    await page.getByTestId('monitoring-off').waitFor();
    await page.getByTestId('routers-empty').getByText('Production serves no revision yet.').waitFor();
    await page.screenshot({ path: join(SHOTS, 'api-production.png'), fullPage: true });
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByTestId('traffic-off').waitFor();
    page.off('request', record);
    assert(asked.length === 0, `log or stats fields were requested for production: ${asked.join(' | ')}`);
    await page.getByTestId('env-switcher').selectOption('test');
    await page.getByTestId('traffic').waitFor();
  });

  await wstep('database rows: the post is listed; its title is edited in place and saved', async () => {
    await page.getByRole('link', { name: 'Database' }).click();
    await page.getByTestId('tab-rows').click();
    await page.getByTestId('rows-table').selectOption('posts');
    const grid = page.getByTestId('rows-grid');
    const row = grid.locator('tbody tr', { hasText: 'Hello from the browser test' });
    await row.waitFor();
    // The test run after a refresh may have left fixture posts: counts are relative to what is there.
    const total = async () => Number(await page.getByTestId('rows-count').getAttribute('data-total'));
    const base = await total();
    assert(base >= 1, `totalCount is at least 1: ${base}`);
    await row.getByTestId('row-edit').click();
    const editing = grid.locator('[data-testid^="row-edit-"]');
    const title = editing.getByLabel('title (text)');
    await title.fill('');
    await editing.getByTestId('row-save').click();
    await editing.locator('[data-field="title"]').waitFor(); // required, min 1: the error sits next to the title
    await title.fill('Edited in the admin');
    await editing.getByTestId('row-save').click();
    await page.getByTestId('toast').filter({ hasText: 'of posts saved' }).waitFor();
    await grid.locator('tbody tr td[data-column="title"]', { hasText: 'Edited in the admin' }).waitFor();
    await page.getByTestId('sort-title').click(); // orderBy ["title"]: still the one row
    await grid.locator('th[aria-sort="ascending"]').waitFor();
    await grid.locator('tbody tr td[data-column="title"]', { hasText: 'Edited in the admin' }).waitFor();
    await page.getByTestId('row-new').click();
    const form = page.getByTestId('row-form');
    await form.getByLabel('title (text)').fill('Written by the admin');
    await form.getByLabel('published (boolean)').check();
    await form.getByTestId('row-insert').click();
    const added = grid.locator('tbody tr', { hasText: 'Written by the admin' });
    await added.waitFor();
    await eventually(async () => (await total()) === base + 1, `totalCount is ${base + 1}`);
    await page.getByLabel('Filter title').fill('Edited in the admin');
    await page.getByTestId('filter-apply').click();
    await eventually(async () => (await page.getByTestId('rows-count').getAttribute('data-total')) === '1', 'the filter keeps 1 row');
    await page.screenshot({ path: join(SHOTS, 'rows.png'), fullPage: true });
    await page.getByLabel('Filter title').fill('');
    await page.getByTestId('filter-apply').click();
    await added.getByTestId('row-delete').click(); // confirm() is accepted
    await eventually(async () => (await added.count()) === 0, 'the inserted row is deleted');
    await form.getByRole('button', { name: 'Cancel' }).click();
    const api = await (await fetch(`${serverBase}/env/test/posts`)).json();
    assert(JSON.stringify(api).includes('Edited in the admin'), `the API serves the edit: ${JSON.stringify(api)}`);
  });

  await wstep('database rows: production keeps its rows private', async () => {
    await page.getByTestId('env-switcher').selectOption('production');
    await page.getByTestId('rows-off').waitFor();
    assert(/off for production: real users' data stays private/i.test(await page.getByTestId('rows-off').innerText()), 'says why');
    assert((await page.getByTestId('refresh-button').count()) === 0, 'no refresh for production');
    await page.getByTestId('env-switcher').selectOption('test');
    await page.getByTestId('rows-grid').waitFor();
  });

  await wstep('users: the end user is listed; made an editor, the editors count goes up by 1', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(/\/admin\/users/);
    const row = page.getByTestId(`user-row-${endUser.email}`);
    await row.waitFor();
    const editors = page.getByTestId('group-item-editors').getByTestId('group-count');
    const before = Number((await editors.innerText()).trim()); // test-run fixtures may be editors already
    await row.getByRole('group', { name: `Groups of ${endUser.email}` }).getByLabel('editors').check();
    await page.getByTestId('toast').filter({ hasText: `${endUser.email} joined editors` }).waitFor();
    await eventually(async () => Number((await editors.innerText()).trim()) === before + 1, `editors count is ${before + 1}`);
    await page.getByTestId('group-item-editors').click();
    await page.getByTestId(`user-row-${endUser.email}`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'users.png'), fullPage: true });
  });

  await wstep('refresh: dropping a column is destructive and needs consent', async () => {
    const doc = (await gqlFromPage(page, '{ exportWorkspace }')).data.exportWorkspace;
    const posts = doc.tables.find((t) => t.name === 'posts');
    posts.columns = posts.columns.filter((c) => c.name !== 'views');
    const put = await gqlFromPage(page, 'mutation($d: JSON!) { putTable(definition: $d) { revision } }', { d: posts });
    assert(!put.errors, `putTable failed: ${JSON.stringify(put.errors)}`);
    await page.getByTestId('refresh-button').click();
    const dialog = page.getByTestId('refresh-dialog');
    await dialog.locator('li.destructive[data-kind="dropColumn"]').waitFor();
    assert(await dialog.getByTestId('refresh-run').isDisabled(), 'refresh waits for consent');
    await dialog.getByLabel('I understand data will be lost').check();
    await dialog.getByTestId('refresh-run').click();
    await dialog.getByTestId('refresh-result').waitFor();
    await dialog.locator('li[data-kind="dropColumn"]').waitFor();
    await page.locator(`[data-testid="serving-revision"][data-revision="${put.data.putTable.revision}"]`).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  await wstep('a viewer sees the workspace read-only', async () => {
    const email = 'viewer@example.com';
    const password = 'viewer-password-1234';
    const res = await gqlFromPage(page, 'mutation($e: String!, $p: String!) { createAdmin(input: { email: $e, password: $p, role: VIEWER }) { id } }', { e: email, p: password });
    assert(!res.errors, `createAdmin failed: ${JSON.stringify(res.errors)}`);
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    ctx.setDefaultTimeout(TIMEOUT);
    const viewer = await ctx.newPage();
    viewer.on('pageerror', (err) => pageErrors.push(err.message));
    await viewer.goto(`${base}/admin/login`);
    await viewer.getByLabel('Email').fill(email);
    await viewer.getByLabel('Password').fill(password);
    await viewer.getByTestId('login-submit').click();
    await viewer.waitForURL((u) => u.pathname === '/admin/');
    await viewer.goto(`${base}/admin/routers?router=getPost`);
    await viewer.getByTestId('router-editor').waitFor();
    assert(await viewer.locator('#router-steps').getAttribute('readonly') !== null, 'steps are read-only');
    for (const id of ['router-save', 'router-delete', 'new-router', 'import-file']) {
      assert((await viewer.getByTestId(id).count()) === 0, `no ${id} for a viewer`);
    }
    await viewer.getByTestId('export-json').waitFor();
    await viewer.goto(`${base}/admin/database?table=posts`);
    await viewer.getByTestId('table-editor').waitFor();
    assert((await viewer.getByTestId('table-save').count()) === 0, 'no table save for a viewer');
    assert((await viewer.getByTestId('add-column').count()) === 0, 'no add column for a viewer');
    assert((await viewer.getByTestId('refresh-button').count()) === 0, 'no refresh for a viewer');
    await viewer.goto(`${base}/admin/database?tab=rows&table=posts&env=test`);
    await viewer.getByTestId('rows-grid').locator('tbody tr td[data-column="title"]').first().waitFor();
    for (const id of ['row-edit', 'row-delete', 'row-new']) {
      assert((await viewer.getByTestId(id).count()) === 0, `no ${id} for a viewer`);
    }
    await viewer.goto(`${base}/admin/tests?env=test`);
    await viewer.locator('[data-case]').first().waitFor();
    for (const id of ['run-all', 'case-run', 'router-run', 'add-case', 'router-add-case']) {
      assert((await viewer.getByTestId(id).count()) === 0, `no ${id} for a viewer`);
    }
    await viewer.getByTestId('case-edit').first().click();
    assert(await viewer.locator('#case-json').getAttribute('readonly') !== null, 'a case is read-only');
    assert((await viewer.getByTestId('case-save').count()) === 0, 'no case save for a viewer');
    await viewer.keyboard.press('Escape');
    await viewer.goto(`${base}/admin/api?env=test&tab=console`);
    await viewer.getByTestId('console-read-only').waitFor();
    await viewer.goto(`${base}/admin/users?env=test`);
    const userRow = viewer.getByTestId('user-row-reader@example.com');
    await userRow.waitFor();
    assert(await userRow.getByLabel('editors').isDisabled(), 'group checkboxes are read-only');
    assert((await viewer.getByTestId('new-user').count()) === 0, 'no new user for a viewer');
    assert((await userRow.getByRole('button').count()) === 0, 'no user actions for a viewer');
    await ctx.close();
  });

  await filesSteps({
    page, browser, base, serverBase, workspace: !process.env.SKIP_WORKSPACE, shots: SHOTS, step, gql: gqlFromPage, eventually, assert,
    timeout: TIMEOUT,
    onPageError: (message) => pageErrors.push(message),
  });

  // Deploys follow deployEvents and need the workspace: the real server only.
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) {
    await deploySteps({
      page, browser, base, serverBase, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert,
      timeout: TIMEOUT, runTimeout: RUN_TIMEOUT, onPageError: (message) => pageErrors.push(message),
    });
  }

  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await workspaceSteps({ page, base, serverBase, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });

  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await casesFormsSteps({ page, base, serverBase, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });
  if (!process.env.SKIP_WORKSPACE) await historySteps({ page, email: EMAIL, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await walkthroughSteps({ page, base, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });

  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await (await import('./coverage-served.steps.mjs')).coverageServedSteps({ page, base, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert, runTimeout: RUN_TIMEOUT });
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await (await import('./run-error.steps.mjs')).runErrorSteps({ page, base, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert, runTimeout: RUN_TIMEOUT });
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await (await import('./live-pages.steps.mjs')).livePagesSteps({ page, base, serverBase, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await (await import('./stream-cases.steps.mjs')).streamCasesSteps({ page, base, serverBase, blogPath: BLOG, shots: SHOTS, step, gql: gqlFromPage, eventually, assert, runTimeout: RUN_TIMEOUT });
  if (!process.env.SKIP_LIVE && !process.env.SKIP_WORKSPACE) await (await import('./live-files.steps.mjs')).liveFilesSteps({ page, base, serverBase, shots: SHOTS, step, gql: gqlFromPage, eventually, assert });
  await (await import('./realtime-settings.steps.mjs')).realtimeSettingsSteps({ page, step, gql: gqlFromPage, eventually, assert });

  await step('unknown routes show the not-found page inside the shell', async () => {
    await page.goto(`${base}/admin/no-such-page`);
    await page.getByTestId('not-found').waitFor();
    await page.getByRole('link', { name: 'Dashboard', exact: true }).waitFor();
  });

  await step('GraphiQL loads from the server alone and reads the schema', async () => {
    const gq = await page.context().newPage();
    const foreign = [];
    gq.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    const errors = [];
    gq.on('pageerror', (e) => errors.push(String(e)));
    const introspection = gq.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST', { timeout: TIMEOUT });
    await gq.goto(`${base}/graphql`);
    const answer = await (await introspection).json();
    assert(answer?.data?.__schema?.queryType?.name === 'Query', `introspection answered ${JSON.stringify(answer).slice(0, 200)}`);
    await gq.locator('.graphiql-container').waitFor({ timeout: TIMEOUT });
    assert(foreign.length === 0, `GraphiQL fetched from elsewhere: ${foreign.join(', ')}`);
    assert(errors.length === 0, `GraphiQL page errors: ${errors.join('; ')}`);
    await gq.close();
  });

  await step('sign out returns to the login page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/admin\/login/);
    await page.goto(`${base}/admin/settings`);
    await page.waitForURL(/\/admin\/login/);
  });

  assert(pageErrors.length === 0, `uncaught page errors: ${pageErrors.join('; ')}`);
}

let exitCode = 0;
try {
  await run();
} catch (err) {
  exitCode = 1;
  if (results.failed === 0) {
    results.failed++;
    console.log(`not ok - setup\n  ${err?.stack ?? err}`);
  }
  if (serverLog) console.log(`# server output (tail):\n${serverLog.split('\n').slice(-40).join('\n')}`);
} finally {
  await browser?.close().catch(() => {});
  proxy?.close();
  await stopServer().catch(() => {});
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(exitCode);
