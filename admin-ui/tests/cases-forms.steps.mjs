// The browser test's steps for test cases as forms and Save as test case:
// a two-request case built with the form (the second reads what the first
// captured; reordered with ↑), a JSON field that does not parse marked at the
// field and blocking Save, JSON and form views switched both ways keeping the
// edits, saved and there after a reload; then a console request saved as a
// case with nothing sent (the environment's request log and rows prove it),
// expecting the status the console showed, and ids turned into fixture
// references (or kept, said so). Run by browser.test.mjs on the real server;
// the cases it saves are deleted at the end.
import { join } from 'node:path';

const FORM_CASE = 'getPost: created by the form, then read';
const CONSOLE_CASE = 'createComment: saved from the console';

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {string} t.base where the SPA is served
 * @param {string} t.serverBase the server itself (data plane)
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function casesFormsSteps(t) {
  const { page, base, serverBase, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const writtenCase = async (name) => ((await gql('{ workspace { document } }')).workspace.document.tests ?? []).find((c) => c.name === name);
  const editor = page.getByTestId('case-editor');
  const card = (i) => editor.locator(`[data-testid="case-step-card"][data-index="${i}"]`);

  try {
    await step('cases as forms: two requests built with the form, the second reading what the first captured', async () => {
      await page.goto(`${base}/admin/tests?env=test`);
      await page.getByTestId('add-case').click();
      await editor.getByTestId('case-form').waitFor();
      await editor.getByTestId('case-router').selectOption('getPost');
      // The untouched template follows the router picked.
      await eventually(async () => (await card(0).getByTestId('case-step-path').inputValue()).startsWith('/posts/'), 'the template of getPost');
      await editor.getByTestId('case-name').fill(FORM_CASE);
      // A second request (a copy of the first's method and path), made the POST and moved up.
      await editor.getByTestId('case-add-step').click();
      await card(1).getByTestId('case-step-method').selectOption('POST');
      await card(1).getByTestId('case-step-path').fill('/posts');
      await card(1).getByTestId('case-step-up').click();
      assert((await card(0).getByTestId('case-step-method').inputValue()) === 'POST', 'the POST is first after ↑');
      assert((await card(1).getByTestId('case-step-method').inputValue()) === 'GET', 'the GET is second');
      await card(0).getByTestId('case-step-actas').selectOption('signedIn');
      await card(0).getByTestId('case-step-as').fill('created');
      await card(0).locator('#cs-0-status').fill('201');
      // Bad JSON in the body: marked at that field, Save and the JSON view blocked.
      const body = card(0).locator('#cs-0-body');
      await body.fill('{"title": ');
      const bodyField = card(0).getByTestId('case-step-body');
      await bodyField.locator('[data-testid="json-field-error"]').filter({ hasText: 'not valid JSON' }).waitFor();
      assert(await editor.getByTestId('case-save').isDisabled(), 'Save is blocked while a JSON field does not parse');
      await editor.getByTestId('case-view-json').click();
      await editor.getByTestId('case-switch-error').waitFor();
      assert((await editor.locator('#case-json').count()) === 0, 'still the form');
      await body.fill('{"title": "Made by the form", "published": true}');
      await eventually(async () => (await bodyField.getAttribute('data-invalid')) === 'false', 'the body parses');
      assert(!(await editor.getByTestId('case-save').isDisabled()), 'Save is enabled again');
      // The second request's path uses the capture, picked from the list.
      await card(1).getByTestId('case-step-path').fill('/posts');
      await card(1).getByTestId('case-step-insert').selectOption('${steps.created.body.id}');
      assert((await card(1).getByTestId('case-step-path').inputValue()) === '/posts/${steps.created.body.id}', 'the capture is in the path');
      await card(1).locator('#cs-1-status').fill('200');
      await card(1).locator('#cs-1-expect-body').fill('{"title": "Made by the form"}');
      await page.screenshot({ path: join(t.shots, 'case-form.png'), fullPage: true });
    });

    await step('cases as forms: switched to JSON and back, the edits stay; an edit made in JSON shows in the form', async () => {
      await editor.getByTestId('case-view-json').click();
      const json = editor.locator('#case-json');
      await json.waitFor();
      const def = JSON.parse(await json.inputValue());
      assert(def.name === FORM_CASE && def.router === 'getPost', `name and router: ${JSON.stringify(def)}`);
      assert(def.steps.length === 2, `two steps: ${JSON.stringify(def.steps)}`);
      const [create, read] = def.steps;
      assert(create.method === 'POST' && create.path === '/posts' && create.as === 'created' && create.actAs === 'signedIn',
        `the first request: ${JSON.stringify(create)}`);
      assert(create.body.title === 'Made by the form' && create.expect.status === 201, `its body and status: ${JSON.stringify(create)}`);
      assert(read.path === '/posts/${steps.created.body.id}' && read.expect.status === 200 && read.expect.body.title === 'Made by the form',
        `the second request: ${JSON.stringify(read)}`);
      read.expect.paths = { '/id': '${steps.created.body.id}' };
      await json.fill(JSON.stringify(def, null, 2));
      await editor.getByTestId('case-view-form').click();
      await card(1).getByTestId('case-step-path-pointer').waitFor();
      assert((await card(1).getByTestId('case-step-path-pointer').inputValue()) === '/id', 'the pointer added in JSON');
      assert((await card(1).getByTestId('case-step-path-value').inputValue()) === '"${steps.created.body.id}"', 'its value');
      assert((await card(0).getByTestId('case-step-as').inputValue()) === 'created', 'the capture kept');
      assert((await card(0).locator('#cs-0-status').inputValue()) === '201', 'the status kept');
      // JSON that does not parse keeps the JSON view.
      await editor.getByTestId('case-view-json').click();
      const text = await json.inputValue();
      await json.fill(`${text}oops`);
      await editor.getByTestId('case-view-form').click();
      await editor.getByTestId('case-switch-error').waitFor();
      assert((await json.inputValue()).endsWith('oops'), 'the text is kept as typed');
      await json.fill(text);
      await editor.getByTestId('case-view-form').click();
      await editor.getByTestId('case-form').waitFor();
    });

    await step('cases as forms: saved through putTestCase, it is in the workspace and opens in the form after a reload', async () => {
      await editor.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: `Test case “${FORM_CASE}” stored` }).waitFor();
      const saved = await writtenCase(FORM_CASE);
      assert(saved && saved.generated === false && saved.steps.length === 2, `saved: ${JSON.stringify(saved)}`);
      assert(saved.steps[1].path === '/posts/${steps.created.body.id}' && saved.steps[1].expect.paths['/id'] === '${steps.created.body.id}',
        `the capture is used: ${JSON.stringify(saved.steps[1])}`);
      await page.reload();
      await page.getByTestId('tests-pending').getByRole('button', { name: FORM_CASE }).click();
      await editor.getByTestId('case-form').waitFor();
      assert((await editor.getByTestId('case-name').inputValue()) === FORM_CASE, 'its name');
      assert((await editor.getByTestId('case-step-card').count()) === 2, 'two cards');
      assert((await card(0).getByTestId('case-step-method').inputValue()) === 'POST', 'the POST first');
      assert((await card(1).getByTestId('case-step-path').inputValue()) === '/posts/${steps.created.body.id}', 'the read second');
      assert(JSON.parse(await card(0).locator('#cs-0-body').inputValue()).title === 'Made by the form', 'the body');
      await editor.getByRole('button', { name: 'Cancel' }).click();
      await eventually(async () => (await editor.count()) === 0, 'the editor closes');
    });

    const logIds = async () =>
      (await gql('{ requestLogs(environment: "test", first: 100) { nodes { id path } } }')).requestLogs.nodes;
    /** A request nobody else makes, then waits until the log lists it: the log has caught up to it. */
    const marker = async () => {
      const path = `/cases-forms-marker-${Math.random().toString(36).slice(2, 10)}`;
      const res = await fetch(`${serverBase}/env/test${path}`);
      await res.arrayBuffer();
      let nodes = [];
      await eventually(async () => (nodes = await logIds()).some((n) => n.path.endsWith(path)), `the marker ${path} is logged`);
      return { path, nodes };
    };
    const comments = async () => (await gql('{ rows(environment: "test", table: "comments") { totalCount } }')).rows.totalCount;

    await step('save-as-case sends nothing: a console POST saved as a case expects the 201 it got; no request reaches the server', async () => {
      // A post of the environment's own to comment on.
      const email = `cases-forms-${Date.now()}@example.com`;
      const signup = await fetch(`${serverBase}/env/test/auth/signup`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'cases-forms-password-1' }),
      });
      const { token } = await signup.json();
      assert(signup.status === 201 && token, `signup answered ${signup.status}`);
      const made = await fetch(`${serverBase}/env/test/posts`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ title: 'To comment on', published: true }),
      });
      const post = await made.json();
      assert(made.status === 201, `post: ${made.status}`);
      await page.goto(`${base}/admin/api?env=test&tab=console`);
      await page.getByTestId('console-router').selectOption('createComment');
      await page.getByTestId('console-param-id').fill(String(post.id));
      await page.locator('#console-body').fill('{"body": "Sent once from the console"}');
      await page.getByLabel('Member of a group').check();
      await page.getByTestId('console-group').selectOption('editors');
      const before = await comments();
      await page.getByTestId('console-send').click();
      await page.locator('[data-testid="console-result"][data-status="201"]').waitFor();
      assert((await comments()) === before + 1, 'the console wrote one comment');
      const first = await marker();

      await page.getByTestId('console-save-case').click();
      await editor.getByTestId('case-form').waitFor();
      assert((await editor.getByTestId('case-notes').innerText()).includes('nothing was sent again'), 'the dialog says nothing is sent');
      assert((await card(0).getByTestId('case-step-method').inputValue()) === 'POST', 'the POST');
      assert((await card(0).locator('#cs-0-status').inputValue()) === '201', 'expects the 201 the console showed');
      assert(JSON.parse(await card(0).locator('#cs-0-body').inputValue()).body === 'Sent once from the console', 'its body');
      assert(JSON.parse(await card(0).locator('#cs-0-expect-body').inputValue()).body === 'Sent once from the console',
        'expects the body it got (its text)');
      // The post's id: a fixture reference when the fixtures have that row, else kept and said so.
      const fixtures = (await gql('{ workspace { document } }')).workspace.document.fixtures?.rows?.posts ?? [];
      const path = await card(0).getByTestId('case-step-path').inputValue();
      const notes = editor.getByTestId('case-notes');
      if (post.id <= fixtures.length) {
        assert(path === `/posts/\${fixtures.posts[${post.id - 1}].id}/comments`, `a reference: ${path}`);
        await notes.locator('li[data-kind="reference"]').waitFor();
      } else {
        assert(path === `/posts/${post.id}/comments`, `kept as written: ${path}`);
        const kept = await notes.locator('li[data-kind="literal"]').first().innerText();
        assert(kept.includes(`no posts row with id ${post.id}`), `the dialog says why: ${kept}`);
      }
      await editor.getByTestId('case-name').fill(CONSOLE_CASE);
      await editor.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: `Test case “${CONSOLE_CASE}” stored` }).waitFor();
      const saved = await writtenCase(CONSOLE_CASE);
      assert(saved && saved.router === 'createComment' && saved.steps[0].expect.status === 201, `saved: ${JSON.stringify(saved)}`);
      assert(JSON.stringify(saved.actAs) === '{"group":"editors"}', `acts as editors: ${JSON.stringify(saved.actAs)}`);

      const second = await marker();
      const at = (nodes, p) => nodes.findIndex((n) => n.path.endsWith(p));
      const between = second.nodes.slice(at(second.nodes, second.path) + 1, at(second.nodes, first.path));
      assert(at(second.nodes, first.path) > 0, 'both markers are in the log');
      assert(between.length === 0, `no request reached the environment while saving: ${JSON.stringify(between)}`);
      assert((await comments()) === before + 1, 'no second comment');
    });

    await step('save-as-case: an id the fixtures have becomes ${fixtures.posts[i].id}; one they lack is kept, and said so', async () => {
      const fixtures = (await gql('{ workspace { document } }')).workspace.document.fixtures?.rows?.posts ?? [];
      assert(fixtures.length >= 1, 'the blog declares fixture posts');
      for (const [id, kind] of [[1, 'reference'], [fixtures.length + 1000, 'literal']]) {
        await page.getByTestId('console-router').selectOption('getPost');
        await page.getByTestId('console-param-id').fill(String(id));
        await page.getByTestId('console-send').click();
        const shown = page.getByTestId('console-result').locator('code.path');
        await eventually(async () => (await shown.innerText()).trim() === `/posts/${id}`, `the answer to GET /posts/${id}`);
        await page.getByTestId('console-save-case').click();
        await editor.getByTestId('case-form').waitFor();
        const path = await card(0).getByTestId('case-step-path').inputValue();
        const status = await page.getByTestId('console-result').getAttribute('data-status');
        assert((await card(0).locator('#cs-0-status').inputValue()) === status, `expects the ${status} shown`);
        await editor.locator(`[data-testid="case-notes"] li[data-kind="${kind}"]`).waitFor();
        if (kind === 'reference') assert(path === '/posts/${fixtures.posts[0].id}', `a reference: ${path}`);
        else assert(path === `/posts/${id}`, `kept: ${path}`);
        await editor.getByRole('button', { name: 'Cancel' }).click();
        await eventually(async () => (await editor.count()) === 0, 'the editor closes unsaved');
      }
    });
  } finally {
    for (const name of [FORM_CASE, CONSOLE_CASE]) {
      if (await writtenCase(name).catch(() => null)) await gql('mutation($n: String!) { deleteTestCase(name: $n) { revision } }', { n: name });
    }
  }
}
