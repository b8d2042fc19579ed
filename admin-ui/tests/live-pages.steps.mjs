// The browser test's live-page steps: with the blog served by `test`, the
// Database grid of posts says it is live; a post an end user writes through
// the API appears in it, marked, without a reload, changes in place when they
// edit it, and goes when an admin deletes it elsewhere, the total following;
// the Users page shows a sign-up as it happens; a watch router built with the
// forms (picking watch offers to replace the steps, it does not do it
// unasked) saves with no problems, and the console says it answers with a
// stream. Run by browser.test.mjs on the real server; the workspace is put
// back as it was found (and test refreshed).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

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
export async function livePagesSteps(t) {
  const { page, base, serverBase, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const blog = () => JSON.parse(readFileSync(t.blogPath, 'utf8'));
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const importDoc = (d) => gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d });
  const refreshTest = () => gql('mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
  const api = async (method, path, { token, body } = {}) => {
    const res = await fetch(`${serverBase}/env/test${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, text };
  };
  const signUp = async (email) => {
    const res = await api('POST', '/auth/signup', { body: { email, password: 'live-pages-password-1234' } });
    assert(res.status === 201 && res.json?.token, `signup of ${email}: ${res.status} ${res.text}`);
    return res.json;
  };
  // Set before a check and read after it: still there, the page was not loaded again.
  const markPage = () => page.evaluate(() => (window.__livePagesMark = Math.random()));
  const samePage = async (mark) => assert((await page.evaluate(() => window.__livePagesMark)) === mark, 'the page was not reloaded');
  const stamp = Date.now();

  const found = (await gql('{ workspace { document } }')).workspace.document;
  try {
    await step('live database: a post written through the API appears marked, changes in place and goes, without a reload', async () => {
      await importDoc(blog());
      await refreshTest();
      await page.goto(`${base}/admin/database?env=test&tab=rows&table=posts`);
      await page.getByTestId('rows-grid').waitFor();
      const live = page.getByTestId('rows-live');
      await eventually(async () => (await live.getAttribute('data-state')) === 'live', 'the grid says it is live');
      assert((await live.innerText()).trim() === 'Live', `in words: ${await live.innerText()}`);
      const total = async () => Number(await page.getByTestId('rows-count').getAttribute('data-total'));
      await eventually(async () => !Number.isNaN(await total()), 'the count is shown');
      const before = await total();
      const mark = await markPage();

      const author = await signUp(`live-author-${stamp}@example.com`);
      const created = await api('POST', '/posts', { token: author.token, body: { title: 'Written while the grid watched', published: true } });
      assert(created.status === 201, `create post: ${created.status} ${created.text}`);
      const id = created.json.id;
      const row = page.getByTestId(`row-${id}`);
      await eventually(async () => (await row.getAttribute('data-live')) === 'insert', `post ${id} appears in the grid, marked as new`);
      assert((await page.locator('[data-testid="rows-grid"] tbody tr').first().getAttribute('data-testid')) === `row-${id}`, 'at the top');
      assert((await row.locator('td[data-column="title"]').innerText()) === 'Written while the grid watched', 'with its title');
      await eventually(async () => (await total()) === before + 1, `the total is ${before + 1}`);
      await shot('live-rows.png');

      const edited = await api('PATCH', `/posts/${id}`, { token: author.token, body: { title: 'Edited while the grid watched' } });
      assert(edited.status === 200, `update post: ${edited.status} ${edited.text}`);
      await eventually(
        async () => (await row.locator('td[data-column="title"]').innerText()) === 'Edited while the grid watched' && (await row.getAttribute('data-live')) === 'update',
        'the change shows in place, marked as changed',
      );
      assert((await total()) === before + 1, 'an update leaves the total as it was');

      // Deleted by an admin elsewhere (GraphQL, not this page's Delete button).
      await gql('mutation($id: ID!) { deleteRow(environment: "test", table: "posts", id: $id) }', { id: String(id) });
      await eventually(async () => (await row.count()) === 0, 'the deleted post goes from the grid');
      await eventually(async () => (await total()) === before, `the total is back to ${before}`);
      await samePage(mark);
    });

    await step('live users: a sign-up appears on the Users page, marked, without a reload; deleted, it goes', async () => {
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.waitForURL(/\/admin\/users/);
      const live = page.getByTestId('users-live');
      await eventually(async () => (await live.getAttribute('data-state')) === 'live', 'the Users page says it is live');
      const mark = await markPage();
      const email = `live-signup-${stamp}@example.com`;
      const { user } = await signUp(email);
      const row = page.getByTestId(`user-row-${email}`);
      await eventually(async () => (await row.getAttribute('data-live')) === 'insert', 'the new user appears, marked as new');
      await shot('live-users.png');
      await gql('mutation($id: ID!) { deleteUser(environment: "test", userId: $id) }', { id: String(user.id) });
      await eventually(async () => (await row.count()) === 0, 'the deleted user goes');
      await samePage(mark);
    });

    await step('watch step: picking watch offers to replace the steps; built with the form, it saves with no problems; the console says it streams', async () => {
      await page.goto(`${base}/admin/routers?env=test`);
      await page.getByTestId('workspace-revision').waitFor();
      const editor = page.getByTestId('router-editor');
      await page.getByTestId('new-router').click();
      await editor.getByTestId('router-view-form').click();
      await editor.getByTestId('input-builder').waitFor();
      await editor.locator('#router-name').fill('watchPosts');
      await editor.locator('#router-path').fill('/posts/live');
      const cards = editor.getByTestId('step-card');
      const kinds = () => cards.evaluateAll((els) => els.map((e) => e.dataset.kind));
      const stepsBefore = await kinds();

      // The new router has a respond step: watch asks before it replaces it, and Keep keeps it.
      await editor.getByTestId('add-step-watch').click();
      const offer = editor.getByTestId('watch-offer');
      await eventually(async () => /only step/.test(await offer.innerText()), 'the offer says a watch is the only step');
      assert(JSON.stringify(await kinds()) === JSON.stringify(stepsBefore), `nothing removed unasked: ${await kinds()}`);
      await offer.getByTestId('watch-offer-cancel').click();
      await eventually(async () => (await offer.count()) === 0, 'the offer goes');
      assert(JSON.stringify(await kinds()) === JSON.stringify(stepsBefore), 'the steps are kept');
      await editor.locator('#router-method').selectOption('POST');
      await editor.getByTestId('add-step-watch').click();
      await eventually(async () => /method POST/.test(await offer.innerText()), 'the offer names the method it changes');
      await offer.getByTestId('watch-offer-accept').click();
      await eventually(async () => JSON.stringify(await kinds()) === '["watch"]', 'the watch is the only step');
      assert((await editor.locator('#router-method').inputValue()) === 'GET', 'the method is GET');
      assert(await editor.locator('#router-method').isDisabled(), 'and stays GET while it is a watch router');
      const card = cards.first();
      assert(/Server-Sent Events; the router's access and owner-only rules are checked for each event/.test(await card.getByTestId('watch-explained').innerText()),
        'the card says what a watch does');
      assert((await editor.getByTestId('step-palette').count()) === 0 && (await editor.getByTestId('step-palette-watch').count()) === 1,
        'no other step can be added to a watch router');
      await card.locator('select').first().selectOption('posts');
      await card.getByTestId('add-filter').click();
      const filter = card.getByTestId('filter-row').first();
      await filter.getByLabel('Filter column').selectOption('published');
      await filter.locator('input').first().fill('true');
      await editor.getByTestId('router-valid').waitFor();
      await editor.getByTestId('router-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Router watchPosts saved' }).waitFor();

      const { workspace } = await gql('{ workspace { document routers { name definition } } }');
      const saved = workspace.routers.find((r) => r.name === 'watchPosts')?.definition;
      assert(saved?.method === 'GET' && saved.steps.length === 1 && saved.steps[0].watch?.table === 'posts', `saved as a watch: ${JSON.stringify(saved)}`);
      assert(JSON.stringify(saved.steps[0].watch.where) === '{"published":true}', `with its filter: ${JSON.stringify(saved.steps[0].watch)}`);
      const { validateWorkspace: problems } = await gql('query($d: JSON!) { validateWorkspace(document: $d) { path message } }', { d: workspace.document });
      assert(problems.length === 0, `validateWorkspace finds no problem: ${JSON.stringify(problems)}`);

      await refreshTest();
      await page.goto(`${base}/admin/api?env=test&tab=console&router=watchPosts`);
      await eventually(async () => (await page.getByTestId('console-router').inputValue()) === 'watchPosts', 'the console picked watchPosts');
      await page.getByTestId('console-send').click();
      const result = page.getByTestId('console-result');
      await eventually(async () => (await result.getAttribute('data-status')) === '200', 'the watch opened (200)');
      const stream = result.getByTestId('console-stream');
      const said = await stream.innerText();
      assert(/Server-Sent Events/.test(said) && said.includes("new EventSource('") && said.includes('/env/test/posts/live'),
        `the console says it is a stream and how to follow it: ${said}`);
      await shot('watch-console.png');
    });
  } finally {
    await t.gql(page, 'mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: found });
    await t.gql(page, 'mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
  }
}
