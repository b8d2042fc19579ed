// The browser test's router-builder steps: createPost of examples/blog.json is
// built from an empty workspace through the forms only, saved, refreshed from
// the Send prompt and called; the JSON view round-trips every blog router; a
// broken expression is flagged on its field while typing; unsaved edits
// survive switching routers and a reload, and the Refresh dialog warns of
// them. Run by browser.test.mjs before its own router steps: they start from
// an empty workspace and leave one (and the test environment without tables),
// with the JSON view chosen, as those steps expect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EMPTY = { format: 'serverkit.workspace', version: 1, tables: [], groups: [], routers: [] };

/** Deep equality of JSON values, whatever the order of object keys. */
function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return a === b;
}

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
export async function routersSteps(t) {
  const { page, base, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const blog = JSON.parse(readFileSync(t.blogPath, 'utf8'));
  const posts = blog.tables.find((x) => x.name === 'posts');
  const importDoc = (document) => gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: document });
  const savedRouter = async (name) =>
    (await gql('{ workspace { routers { name definition } } }')).workspace.routers.find((r) => r.name === name)?.definition;
  const editor = page.getByTestId('router-editor');
  const openRouters = async (query = '') => {
    await page.goto(`${base}/admin/routers${query}`);
    await page.getByTestId('workspace-revision').waitFor();
  };
  const formView = async () => {
    await editor.getByTestId('router-view-form').click();
    await editor.getByTestId('input-builder').waitFor();
  };
  const card = (i) => editor.locator(`[data-testid="step-card"][data-index="${i}"]`);

  await step('router builder: createPost is built from an empty workspace with the forms only', async () => {
    await importDoc({ ...EMPTY, tables: [posts] });
    await openRouters();
    await page.getByTestId('new-router').click();
    await formView();
    await editor.locator('#router-name').fill('createPost');
    await editor.locator('#router-method').selectOption('POST');
    await editor.locator('#router-path').fill('/posts');
    await editor.getByLabel('Signed-in users').check();

    // Body fields: a row each, named, typed and bounded.
    const body = editor.getByTestId('schema-body');
    const fields = [['title', 'string'], ['body', 'string'], ['published', 'boolean'], ['cover', 'file']];
    for (let i = 0; i < fields.length; i++) {
      await body.getByTestId('add-body-field').click();
      const row = body.getByTestId('field-row').nth(i);
      await row.getByTestId('field-name').fill(fields[i][0]);
      await row.getByTestId('field-name').blur();
      await body.locator(`[data-field="${fields[i][0]}"]`).getByTestId('field-type').selectOption(fields[i][1]);
    }
    const title = body.locator('[data-field="title"]');
    await title.getByTestId('field-required').check();
    await title.getByTestId('field-min').fill('1');
    await title.getByTestId('field-max').fill('200');

    // Steps: an insert before the respond step the new router has, its values filled from the body fields.
    await editor.getByTestId('add-step-insert').click();
    const insert = card(0);
    assert((await insert.getAttribute('data-kind')) === 'insert', 'the insert goes before the final respond');
    assert((await insert.getByTestId('step-as').inputValue()) === 'post', 'the insert is named after its table');
    const rows = insert.getByTestId('value-row');
    await eventually(async () => (await rows.count()) === 4, 'a value per body field with a column');
    const published = insert.locator('[data-testid="value-row"][data-column="published"] input');
    await published.fill('${request.body.published');
    await published.pressSequentially(' ?? false}');
    // The expression field completes names of earlier steps in the respond step.
    const respond = card(1);
    await respond.locator('input[type="number"]').fill('201');
    const respondBody = respond.getByTestId('respond-body').locator('input');
    await respondBody.fill('${steps.p');
    const options = page.getByTestId('completions');
    await options.getByText('steps.post', { exact: true }).waitFor();
    await respondBody.press('Enter');
    await eventually(async () => (await respondBody.inputValue()) === '${steps.post}', 'completion took steps.post and closed the ${');
    await editor.getByTestId('router-valid').waitFor();
    await page.screenshot({ path: join(t.shots, 'router-builder.png'), fullPage: true });
    await editor.getByTestId('router-save').click();
    await page.getByTestId('toast').filter({ hasText: 'Router createPost saved' }).waitFor();

    const expected = structuredClone(blog.routers.find((r) => r.name === 'createPost'));
    delete expected.input.body.properties.cover.description;
    const saved = await savedRouter('createPost');
    assert(same(saved, expected), `built as the blog's createPost: ${JSON.stringify(saved)}`);
  });

  await step('router builder: Send offers to refresh first, then the console calls createPost', async () => {
    await page.getByTestId('router-item-createPost').click();
    await editor.getByTestId('router-send').click();
    const prompt = page.getByTestId('send-prompt');
    await prompt.getByText('does not serve createPost').waitFor();
    await prompt.getByTestId('send-save-refresh').click();
    await page.waitForURL(/\/admin\/api\?.*tab=console/);
    await eventually(async () => (await page.getByTestId('console-router').inputValue()) === 'createPost', 'the console picked createPost');
    assert((await page.getByTestId('console-method').inputValue()) === 'POST', 'method POST');
    assert((await page.getByTestId('console-path').inputValue()) === '/posts', 'path /posts');
    const example = JSON.parse(await page.locator('#console-body').inputValue());
    assert(typeof example.title === 'string' && example.title.length >= 1, `a body example with a title: ${JSON.stringify(example)}`);

    const signup = await fetch(`${t.serverBase}/env/test/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'builder@example.com', password: 'builder-password-1234' }),
    });
    const auth = await signup.json();
    assert(signup.status === 201, `signup: ${signup.status} ${JSON.stringify(auth)}`);
    const res = await fetch(`${t.serverBase}/env/test/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.token}` },
      body: JSON.stringify({ title: 'Built, not typed' }),
    });
    const row = await res.json();
    assert(res.status === 201 && row.title === 'Built, not typed' && row.published === false && row.owner === auth.user.id,
      `POST /env/test/posts: ${res.status} ${JSON.stringify(row)}`);
    const anonymous = await fetch(`${t.serverBase}/env/test/posts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' });
    assert(anonymous.status === 401, `signed-in only: ${anonymous.status}`);
  });

  await step('router builder: form → JSON → form keeps every blog router exactly', async () => {
    await importDoc(blog);
    for (const expected of blog.routers) {
      await openRouters(`?router=${expected.name}`);
      await formView();
      await editor.getByTestId('router-view-json').click();
      const input = JSON.parse(await editor.locator('#router-input').inputValue());
      const steps = JSON.parse(await editor.locator('#router-steps').inputValue());
      assert(same(input, expected.input ?? {}), `${expected.name}: input as in blog.json: ${JSON.stringify(input)}`);
      assert(same(steps, expected.steps), `${expected.name}: steps as in blog.json: ${JSON.stringify(steps)}`);
      await formView();
      assert((await editor.getByTestId('router-dirty').count()) === 0, `${expected.name}: the form changed nothing`);
    }
    // What the form does not know is kept: a key added in the JSON view survives the form.
    const stepsBox = editor.locator('#router-steps');
    await editor.getByTestId('router-view-json').click();
    const text = await stepsBox.inputValue();
    await stepsBox.fill(text.replace('"as": "posts"', '"as": "posts", "x-note": "kept"'));
    await formView();
    await editor.getByTestId('router-dirty').waitFor();
    await editor.getByTestId('router-view-json').click();
    assert((await stepsBox.inputValue()).includes('"x-note": "kept"'), 'the unknown key came back');
    await editor.getByTestId('router-discard').click();
    await eventually(async () => (await editor.getByTestId('router-dirty').count()) === 0, 'discarded');

    // The script step's code editor (CodeMirror, Rhai) writes into the definition.
    await openRouters('?router=stats');
    await formView();
    await editor.getByTestId('script-editor').locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// edited in the form');
    await editor.getByTestId('router-dirty').waitFor();
    await editor.getByTestId('router-view-json').click();
    assert((await stepsBox.inputValue()).includes('// edited in the form'), 'the script edit is in the steps JSON');
    await editor.getByTestId('router-discard').click();
    await eventually(async () => (await editor.getByTestId('router-dirty').count()) === 0, 'discarded');
  });

  await step('router builder: a path param typed into the path gets a typed row in the params schema', async () => {
    await page.getByTestId('new-router').click();
    await formView();
    await editor.locator('#router-path').fill('/things/{slug}');
    const row = editor.locator('[data-testid="param-row"][data-param="slug"]');
    assert((await row.getByTestId('param-type').inputValue()) === 'integer', 'a new param is an integer id at first');
    await row.getByTestId('param-type').selectOption('uuid');
    await editor.getByTestId('router-view-json').click();
    const input = JSON.parse(await editor.locator('#router-input').inputValue());
    assert(same(input.params, { type: 'object', properties: { slug: { type: 'string', format: 'uuid' } } }), `params: ${JSON.stringify(input)}`);
    await formView();
    await editor.getByTestId('router-discard').click();
    await eventually(async () => (await editor.getByTestId('router-dirty').count()) === 0, 'the new router is discarded');
  });

  await step('router builder: a broken expression is flagged on its field while typing', async () => {
    await openRouters('?router=createPost');
    await formView();
    const row = card(0).locator('[data-testid="value-row"][data-column="title"]');
    await row.locator('input').fill('${request.body.title');
    await row.locator('[data-invalid="true"]').waitFor();
    const message = await row.locator('.field-error').innerText();
    assert(message.length > 0, 'the field says what is wrong');
    await editor.getByTestId('router-problems').getByText('steps[0].insert.values.title').waitFor();
    await row.locator('input').fill('${nope.title}');
    await eventually(async () => /nope/.test(await row.locator('.field-error').innerText()), 'an unknown name is named');
    await row.locator('input').fill('${request.body.title}');
    await editor.getByTestId('router-valid').waitFor();
    assert((await row.locator('.field-error').count()) === 0, 'fixed, the field is clear');
  });

  await step('router builder: unsaved edits survive switching routers and a reload; Refresh warns of them', async () => {
    await editor.locator('#router-description').fill('A draft description');
    await card(0).getByTestId('step-down').click(); // reordered by button (the grip drags)
    await eventually(async () => (await card(0).getAttribute('data-kind')) === 'respond', 'the respond step moved up');
    await page.getByTestId('router-unsaved-createPost').waitFor();
    await page.getByTestId('router-item-getPost').click();
    await eventually(async () => (await editor.locator('#router-name').inputValue()) === 'getPost', 'getPost open');
    await page.getByTestId('router-item-createPost').click();
    await eventually(async () => (await editor.locator('#router-description').inputValue()) === 'A draft description', 'the draft is back');
    await page.reload();
    await eventually(async () => (await editor.locator('#router-description').inputValue()) === 'A draft description', 'kept across a reload');
    assert((await card(0).getAttribute('data-kind')) === 'respond', 'the new order is kept too');
    await page.getByTestId('router-unsaved-createPost').waitFor();
    await page.getByTestId('refresh-button').click();
    const dialog = page.getByTestId('refresh-dialog');
    await dialog.getByTestId('refresh-unsaved').getByText('createPost').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await editor.getByTestId('router-discard').click();
    await eventually(async () => (await page.getByTestId('router-unsaved-createPost').count()) === 0, 'discarded: no dot');
    // The checks after these read the JSON view (it is remembered), from an empty workspace and test environment.
    await editor.getByTestId('router-view-json').click();
    await importDoc(EMPTY);
    await gql('mutation { refresh(environment: "test", allowDestructive: true) { revision } }');
  });
}
