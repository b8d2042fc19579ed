// The browser test's workspace steps: the header's "not yet refreshed"
// indicator after a save and gone after Refresh (and right after a reload);
// an import that lists every problem by its named path; environment settings
// in units (MiB and seconds saved as bytes and milliseconds), CORS origins and
// variables edited as lists; a new table from its id-only preview with a text
// default typed without quotes; owner and relation cells by label, linked.
// Run by browser.test.mjs on the real server; each step sets up what it needs
// through GraphQL and puts back what it changed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIB = 1024 * 1024;
const PROBE = {
  name: 'liveProbe',
  description: 'Saved, not yet refreshed.',
  method: 'GET',
  path: '/live-probe',
  access: { allow: 'public' },
  steps: [{ respond: { status: 200, body: { live: true } } }],
};

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {string} t.base where the SPA is served
 * @param {string} t.serverBase the server itself (data plane)
 * @param {string} t.blogPath examples/blog.json
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function workspaceSteps(t) {
  const { page, step, eventually, assert, serverBase } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const blog = () => JSON.parse(readFileSync(t.blogPath, 'utf8'));
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const pending = page.getByTestId('pending-changes');
  const envOf = async (fields) => (await gql(`{ environment(slug: "test") { ${fields} } }`)).environment;
  const settingsForm = async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL(/\/admin\/settings/);
    const form = page.getByTestId('env-settings-test');
    await form.getByLabel('Name', { exact: true }).waitFor();
    return form;
  };
  const save = async (form) => {
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: /^Saved/ }).last().waitFor();
  };
  const tmp = mkdtempSync(join(tmpdir(), 'serverkit-ws-steps-'));

  try {
    await step('the sidebar links to GraphiQL, served by the server at /graphql, in a new tab', async () => {
      const link = page.getByTestId('graphiql-link');
      assert((await link.getAttribute('href')) === '/graphql' && (await link.getAttribute('target')) === '_blank', 'GraphiQL link');
      const res = await page.evaluate(async () => {
        const r = await fetch('/graphql', { headers: { accept: 'text/html' } });
        return { status: r.status, html: (await r.text()).slice(0, 2000) };
      });
      assert(res.status === 200 && /graphiql/i.test(res.html), `GET /graphql serves GraphiQL: ${res.status}`);
    });

    await step('live: a saved router shows "1 change not yet refreshed" in the header, listed; it stays over a reload and goes with Refresh', async () => {
      await gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: blog() });
      await gql('mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
      await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
      await page.getByTestId('env-switcher').selectOption('test');
      const current = (await gql('{ workspace { revision } }')).workspace.revision;
      await eventually(async () => (await pending.count()) === 0, 'nothing pending while test serves the current revision');
      // Saved elsewhere (GraphQL): the header learns it over workspaceChanges.
      await gql('mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: PROBE });
      await page.locator('[data-testid="pending-changes"][data-count="1"]').waitFor();
      assert((await pending.innerText()).includes('1 change not yet refreshed'), `says so: ${await pending.innerText()}`);
      await pending.click();
      const popover = page.getByTestId('pending-popover');
      await popover.locator('[data-testid="definition-change"][data-what="router"][data-name="liveProbe"][data-change="ADDED"]').waitFor();
      assert((await popover.innerText()).includes('GET /live-probe'), `the change's summary: ${await popover.innerText()}`);
      await shot('pending-changes.png');
      await page.keyboard.press('Escape');
      await eventually(async () => (await popover.count()) === 0, 'Escape closes the popover');
      // Saved here (the Database page's table editor): the count follows at once.
      await page.getByRole('link', { name: 'Database', exact: true }).click();
      await page.getByTestId('table-item-posts').click();
      await page.locator('#table-description').fill('Posts, described in the browser test.');
      await page.getByTestId('table-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Table posts saved' }).waitFor();
      await page.locator('[data-testid="pending-changes"][data-count="2"]').waitFor();
      await page.reload();
      await page.locator('[data-testid="pending-changes"][data-count="2"]').waitFor();
      await page.locator(`[data-testid="served-revision"][data-revision="${current}"]`).waitFor();
      await page.getByTestId('refresh-button').click();
      const dialog = page.getByTestId('refresh-dialog');
      await dialog.getByTestId('refresh-run').click();
      await dialog.getByTestId('refresh-result').waitFor();
      await dialog.getByRole('button', { name: 'Done' }).click();
      await eventually(async () => (await pending.count()) === 0, 'the indicator goes once test serves the new revision');
    });

    await step('import: a document with mistakes lists every problem by its named path; a file that is not JSON says so', async () => {
      await page.getByRole('link', { name: 'Routers', exact: true }).click();
      await page.waitForURL(/\/admin\/routers/);
      await page.getByTestId('workspace-revision').waitFor();
      const before = (await gql('{ workspace { revision } }')).workspace.revision;
      const doc = blog();
      doc.routers.find((r) => r.name === 'getPost').steps[0].get.table = 'nope';
      doc.routers.find((r) => r.name === 'deletePost').steps[0].delete.table = 'gone';
      doc.tables.find((x) => x.name === 'posts').columns.find((c) => c.name === 'title').min = 300; // above its max
      const bad = join(tmp, 'broken-blog.json');
      writeFileSync(bad, JSON.stringify(doc));
      await page.getByTestId('import-file').setInputFiles(bad);
      const problems = page.getByTestId('import-problems');
      await problems.waitFor();
      const paths = await problems.locator('li').evaluateAll((items) => items.map((li) => li.dataset.path));
      assert(paths.length >= 3, `several problems listed: ${paths.join(', ')}`);
      assert(paths.includes('routers.getPost.steps[0].get.table'), `the missing table by router name: ${paths.join(', ')}`);
      assert(paths.includes('routers.deletePost.steps[0].delete.table'), `the other missing table: ${paths.join(', ')}`);
      assert(paths.some((p) => p.startsWith('tables.posts.columns.title')), `min above max by table and column name: ${paths.join(', ')}`);
      assert((await problems.innerText()).includes('broken-blog.json was not imported'), 'the title names the file');
      await shot('import-problems.png');
      const notJson = join(tmp, 'notes.json');
      writeFileSync(notJson, 'tables: [posts]\n');
      await page.getByTestId('import-file').setInputFiles(notJson);
      const error = page.getByTestId('import-errors');
      await error.waitFor();
      assert(/notes\.json is not JSON .*nothing was imported/.test(await error.innerText()), `says it is not JSON: ${await error.innerText()}`);
      assert((await problems.count()) === 0, 'the earlier problems are gone');
      assert((await gql('{ workspace { revision } }')).workspace.revision === before, 'nothing was imported');
    });

    await step('settings: limits in MiB and seconds are saved as bytes and milliseconds and shown back', async () => {
      const before = (await envOf('limits { maxBodyBytes requestTimeoutMs }')).limits;
      let form = await settingsForm();
      const body = form.getByLabel('Max body size (MiB)');
      const timeout = form.getByLabel('Request timeout (seconds)');
      await eventually(async () => Number(await body.inputValue()) === before.maxBodyBytes / MIB, `shows ${before.maxBodyBytes} bytes in MiB`);
      assert(Number(await timeout.inputValue()) === before.requestTimeoutMs / 1000, 'shows the timeout in seconds');
      await body.fill('0');
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      await form.getByText('Must be greater than 0 MiB.').waitFor();
      await body.fill('3');
      await timeout.fill('2.5');
      await save(form);
      const saved = (await envOf('limits { maxBodyBytes requestTimeoutMs }')).limits;
      assert(saved.maxBodyBytes === 3 * MIB && saved.requestTimeoutMs === 2500, `saved as bytes and ms: ${JSON.stringify(saved)}`);
      await page.reload();
      form = page.getByTestId('env-settings-test');
      await eventually(async () => (await form.getByLabel('Max body size (MiB)').inputValue()) === '3', 'shows 3 MiB after a reload');
      assert((await form.getByLabel('Request timeout (seconds)').inputValue()) === '2.5', 'shows 2.5 s after a reload');
      await gql('mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: "test", input: { limits: $l }) { slug } }', { l: before });
    });

    await step('settings: CORS origins are added and removed as rows, with what they allow', async () => {
      const form = await settingsForm();
      const cors = form.getByTestId('env-cors');
      const effect = cors.getByTestId('cors-effect');
      await eventually(async () => (await envOf('corsOrigins')).corsOrigins.length === 0, 'no origins to start with');
      assert(/No website may call the API/.test(await effect.innerText()), `says nothing is allowed: ${await effect.innerText()}`);
      await cors.getByRole('button', { name: 'Add origin' }).click();
      await cors.getByLabel('Origin 1', { exact: true }).fill('app.example.com');
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      await cors.getByText('is not an origin like https://app.example.com').waitFor();
      await cors.getByLabel('Origin 1', { exact: true }).fill('https://app.example.com');
      assert((await effect.innerText()).includes('Browsers from these origins may call the API: https://app.example.com'),
        `says who may: ${await effect.innerText()}`);
      await cors.getByRole('button', { name: 'Allow any origin (*)' }).click();
      assert((await effect.innerText()).includes('Any website may call the API from a browser'), `says anyone: ${await effect.innerText()}`);
      await save(form);
      // A toast of an earlier save may still show: the saved state is polled.
      const origins = async () => JSON.stringify((await envOf('corsOrigins')).corsOrigins);
      await eventually(async () => (await origins()) === '["https://app.example.com","*"]', 'both saved');
      const preflight = await fetch(`${serverBase}/env/test/posts`, { headers: { origin: 'https://elsewhere.example' } });
      assert(preflight.headers.get('access-control-allow-origin') === '*', `the API answers any origin: ${preflight.headers.get('access-control-allow-origin')}`);
      await cors.getByRole('button', { name: 'Remove origin *' }).click();
      await save(form);
      await eventually(async () => (await origins()) === '["https://app.example.com"]', 'the * removed');
      await cors.getByRole('button', { name: 'Remove origin https://app.example.com' }).click();
      await save(form);
      await eventually(async () => (await origins()) === '[]', 'all removed');
    });

    await step('settings: variables added in the table are returned by the environment query, typed', async () => {
      const form = await settingsForm();
      const vars = form.getByTestId('env-variables');
      const add = async (name, type, fill) => {
        await vars.getByRole('button', { name: 'Add variable' }).click();
        const row = vars.getByTestId('env-variable').last();
        await row.getByLabel('Variable name').fill(name);
        await row.getByLabel('Type of').selectOption(type);
        await fill(row.getByLabel('Value of'));
        return row;
      };
      await add('site_name', 'string', (v) => v.fill('My blog'));
      await add('max_posts', 'number', (v) => v.fill('25'));
      await add('beta', 'boolean', (v) => v.check());
      const wrong = await add('9lives', 'string', (v) => v.fill('x'));
      await vars.getByText('Routers read these as').waitFor();
      await vars.locator('code', { hasText: 'env.site_name' }).waitFor();
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      await wrong.getByText('starting with a letter').waitFor();
      await wrong.getByRole('button', { name: /^Remove variable/ }).click();
      await save(form);
      const typed = async () => {
        const { variables } = await envOf('variables');
        return JSON.stringify(Object.fromEntries(Object.entries(variables).sort(([a], [b]) => a.localeCompare(b))));
      };
      await eventually(async () => (await typed()) === '{"beta":true,"max_posts":25,"site_name":"My blog"}', 'saved typed');
      await page.reload();
      const row = page.getByTestId('env-settings-test').locator('[data-testid="env-variable"][data-name="max_posts"]');
      await row.waitFor();
      assert((await row.getByLabel('Type of').inputValue()) === 'number', 'max_posts is a number after a reload');
      await shot('settings-variables.png');
      await gql('mutation { updateEnvironment(slug: "test", input: { variables: {} }) { slug } }');
    });

    await step('database: a new table starts as its id-only preview, saves after Add column; a text default typed bare is a JSON string', async () => {
      await page.getByRole('link', { name: 'Database', exact: true }).click();
      await page.waitForURL(/\/admin\/database/);
      await page.getByTestId('new-table').click();
      const editor = page.getByTestId('table-editor');
      const system = editor.getByTestId('system-column');
      await eventually(async () => (await system.count()) === 3, 'id, created_at and updated_at are shown');
      assert(JSON.stringify(await system.evaluateAll((rows) => rows.map((r) => r.dataset.column))) === '["id","created_at","updated_at"]',
        'the system columns in order');
      assert((await editor.locator('[data-testid^="column-row-"]').count()) === 0, 'no empty column row to fill in');
      await editor.getByTestId('columns-empty').waitFor();
      await page.locator('#table-name').fill('notes');
      await editor.getByTestId('add-column').click();
      const text = editor.getByTestId('column-row-0');
      await text.getByLabel('Column name').fill('body');
      await text.getByLabel('Default').fill('hello, world');
      await editor.getByTestId('add-column').click();
      const count = editor.getByTestId('column-row-1');
      await count.getByLabel('Column name').fill('stars');
      await count.getByLabel('Type').selectOption('integer');
      assert((await count.getByLabel('Default').getAttribute('type')) === 'number', 'an integer default is a number input');
      await count.getByLabel('Default').fill('3');
      await editor.getByTestId('add-column').click();
      const flag = editor.getByTestId('column-row-2');
      await flag.getByLabel('Column name').fill('pinned');
      await flag.getByLabel('Type').selectOption('boolean');
      await flag.getByLabel('Default').click(); // none → true
      await editor.getByTestId('table-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Table notes saved' }).waitFor();
      const { workspace } = await gql('{ workspace { tables { name definition } } }');
      const notes = workspace.tables.find((x) => x.name === 'notes')?.definition;
      assert(notes, 'notes is in the workspace');
      const defaults = Object.fromEntries(notes.columns.map((c) => [c.name, c.default]));
      assert(JSON.stringify(defaults) === '{"body":"hello, world","stars":3,"pinned":true}', `typed defaults: ${JSON.stringify(notes.columns)}`);
      await page.reload();
      await page.getByTestId('table-item-notes').click();
      const body = page.locator('[data-testid="columns-grid"] tr[data-column="body"]');
      await body.waitFor();
      assert((await body.getByLabel('Default').inputValue()) === 'hello, world', 'the default reads back without quotes');
      await shot('table-new.png');
      await gql('mutation { deleteTable(name: "notes") { revision } }');
    });

    await step('database rows: owner and relation cells show the email and the post title, linked to the user and the post', async () => {
      await gql('mutation { deleteRouter(name: "liveProbe") { revision } }'); // the live step's
      await gql('mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
      const user = { email: 'labels@example.com', password: 'labels-password-1234' };
      const signup = await fetch(`${serverBase}/env/test/auth/signup`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user),
      });
      const { token } = await signup.json();
      assert(signup.status === 201 && token, `signup: ${signup.status}`);
      const call = async (path, body) => {
        const res = await fetch(`${serverBase}/env/test${path}`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
        });
        assert(res.status === 201, `POST ${path}: ${res.status}`);
        return res.json();
      };
      const post = await call('/posts', { title: 'A labelled post', body: 'Body', published: true });
      await call(`/posts/${post.id}/comments`, { body: 'A labelled comment' });
      await page.getByRole('link', { name: 'Database', exact: true }).click();
      await page.getByTestId('tab-rows').click();
      await page.getByTestId('rows-table').selectOption('comments');
      const row = page.getByTestId('rows-grid').locator('tbody tr', { hasText: 'A labelled comment' });
      await row.waitFor();
      const relation = row.locator('td[data-column="post"]').getByTestId('relation-link');
      assert((await relation.innerText()).trim() === 'A labelled post', `the post by its title: ${await relation.innerText()}`);
      const owner = row.locator('td[data-column="owner"]').getByTestId('owner-link');
      assert((await owner.innerText()).trim() === user.email, `the owner by email: ${await owner.innerText()}`);
      await relation.click();
      await page.waitForURL(new RegExp(`table=posts.*id=${post.id}|id=${post.id}.*table=posts`));
      const target = page.getByTestId('rows-grid').locator('tbody tr');
      await eventually(async () => (await target.count()) === 1 && (await target.innerText()).includes('A labelled post'), 'the linked post alone');
      await target.locator('td[data-column="owner"]').getByTestId('owner-link').click();
      await page.waitForURL(/\/admin\/users\?.*q=labels/);
      await page.getByTestId(`user-row-${user.email}`).waitFor();
      assert((await page.getByTestId('user-search').inputValue()) === user.email, 'the search holds the email');
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
