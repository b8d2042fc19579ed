// The browser test's walkthrough steps (issue 25, "From the walkthrough"):
// the new-router form shows no problem before anything is typed; a new
// respond step answers nothing until a step before it gives something; the
// filter offers each operator once, by name, and keeps `eq` as saved; a table
// name's problem goes as soon as the name is valid; leaving the table editor
// with unsaved edits asks first (Cancel stays), not when nothing changed or
// after a save; empty states read with their spaces; body fields keep the
// order they were given; a restored revision is what the Routers page shows.
// Run by browser.test.mjs on the real server after the deploy and history
// steps; it imports examples/blog.json and puts the workspace back at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EMPTY = { format: 'serverkit.workspace', version: 1, tables: [], groups: [], routers: [] };
const FILTER = {
  name: 'walkFilter',
  method: 'GET',
  path: '/walk-filter',
  access: { allow: 'public' },
  steps: [
    { as: 'posts', list: { table: 'posts', where: { published: { eq: true }, title: { contains: 'a' } } } },
    { respond: { status: 200, body: '${steps.posts}' } },
  ],
};
const LABELS = ['equals', 'not equal', 'greater than', 'at least', 'less than', 'at most', 'one of', 'contains'];

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {string} t.base where the SPA is served
 * @param {string} t.blogPath examples/blog.json
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function walkthroughSteps(t) {
  const { page, base, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const importDoc = (document) => gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: document });
  const revision = async () => (await gql('{ workspace { revision } }')).workspace.revision;
  const savedRouter = async (name) =>
    (await gql('{ workspace { routers { name definition } } }')).workspace.routers.find((r) => r.name === name)?.definition;
  const editor = page.getByTestId('router-editor');
  const card = (i) => editor.locator(`[data-testid="step-card"][data-index="${i}"]`);
  const openRouters = async (query = '') => {
    await page.goto(`${base}/admin/routers${query}`);
    await page.getByTestId('workspace-revision').waitFor();
  };
  const formView = async () => {
    await editor.getByTestId('router-view-form').click();
    await editor.getByTestId('input-builder').waitFor();
  };
  const jsonSteps = async () => {
    await editor.getByTestId('router-view-json').click();
    const steps = JSON.parse(await editor.locator('#router-steps').inputValue());
    await formView();
    return steps;
  };
  const discard = async () => {
    await editor.getByTestId('router-discard').click(); // confirmed
    await eventually(async () => (await editor.getByTestId('router-dirty').count()) === 0, 'the draft is discarded');
  };
  const openDatabase = async () => {
    await page.getByRole('link', { name: 'Database', exact: true }).click();
    await page.waitForURL(/\/admin\/database/);
    await page.getByTestId('table-item-posts').waitFor();
  };
  const tableTitle = page.locator('#table-editor-title');

  // confirm() and beforeunload are answered here (accepted unless a step says otherwise), and counted.
  const dialogs = { answer: 'accept', seen: [] };
  const onDialog = (dialog) => {
    dialogs.seen.push(dialog.message());
    return (dialogs.answer === 'accept' ? dialog.accept() : dialog.dismiss()).catch(() => {});
  };
  const kept = page.listeners('dialog');
  page.on('dialog', onDialog);
  for (const l of kept) page.off('dialog', l);
  const before = (await gql('{ exportWorkspace }')).exportWorkspace;

  try {
    await importDoc(JSON.parse(readFileSync(t.blogPath, 'utf8')));

    await step('walkthrough: the new-router form shows no problem before anything is typed; one shows once a field is left or Save is tried', async () => {
      await openRouters();
      const checked = page.waitForResponse((r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('validateWorkspace'));
      await page.getByTestId('new-router').click();
      await formView();
      const found = (await (await checked).json()).data.validateWorkspace;
      assert(found.some((p) => p.path.startsWith('routers.')), `the server finds the blank router wrong: ${JSON.stringify(found)}`);
      await eventually(async () => Number(await editor.getAttribute('data-problems')) >= 1, 'the editor holds the problems found');
      assert((await editor.locator('.field-error').count()) === 0, 'no problem is shown on a field');
      assert((await editor.getByTestId('router-problems').count()) === 0, 'no problem is listed');
      await shot('walkthrough-new-router.png');
      await editor.locator('#router-name').focus();
      await editor.locator('#router-name').blur();
      const nameError = editor.locator('#router-name-error');
      await nameError.waitFor();
      assert(/router name/.test(await nameError.innerText()), `the name's problem once left: ${await nameError.innerText()}`);
      await editor.locator('#router-name').fill('walkNew');
      await eventually(async () => (await nameError.count()) === 0, 'a valid name clears its problem');
      await discard();
      await editor.getByTestId('router-save').click();
      await nameError.waitFor(); // Save tried: the problem shows without the field being touched
      assert((await editor.locator('#router-name').inputValue()) === '', 'nothing was typed');
      await openRouters();
    });

    await step('walkthrough: a new respond step answers nothing until a step before it gives something; "Send a body" starts from it', async () => {
      await page.getByTestId('new-router').click();
      await formView();
      assert((await card(0).getAttribute('data-kind')) === 'respond', 'a new router has a respond step');
      assert(!(await card(0).getByTestId('respond-has-body').isChecked()), 'it sends no body');
      assert((await card(0).getByTestId('respond-body').count()) === 0, 'no body field');
      const steps = await jsonSteps();
      assert(JSON.stringify(steps) === '[{"respond":{"status":200}}]', `no {"ok":true}: ${JSON.stringify(steps)}`);
      await editor.getByTestId('add-step-get').click();
      assert((await card(0).getAttribute('data-kind')) === 'get', 'the get goes before the respond step');
      const body = card(1).getByTestId('respond-body').locator('input');
      await eventually(async () => (await body.inputValue()) === '${steps.post}', 'the respond step answers what the get gives');
      await card(1).getByTestId('respond-has-body').uncheck();
      await eventually(async () => (await body.count()) === 0, 'no body');
      await card(1).getByTestId('respond-has-body').check();
      await eventually(async () => (await body.inputValue()) === '${steps.post}', 'a body started again is the step before');
      await editor.getByTestId('add-step-respond').click(); // a second respond step, after the first
      assert((await card(2).getByTestId('respond-body').locator('input').inputValue()) === '${steps.post}', 'a new respond step starts from the step before');
      await discard();
    });

    await step('walkthrough: the filter offers each operator once by name; a saved `eq` loads as "equals" and stays `eq`', async () => {
      await gql('mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: FILTER });
      await openRouters(`?router=${FILTER.name}`);
      await formView();
      const rows = card(0).getByTestId('filter-row');
      await eventually(async () => (await rows.count()) === 2, 'two filter rows');
      for (let i = 0; i < 2; i++) {
        const options = await rows.nth(i).getByTestId('filter-op').locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent.trim()]));
        assert(JSON.stringify(options.map((o) => o[1])) === JSON.stringify(LABELS), `each operator once, by name: ${JSON.stringify(options)}`);
        assert(new Set(options.map((o) => o[0])).size === options.length, `no operator twice: ${JSON.stringify(options)}`);
      }
      const published = editor.locator('[data-testid="filter-row"][data-column="published"]');
      assert((await published.getByTestId('filter-op').inputValue()) === '=', 'the saved eq shows as "equals"');
      assert((await editor.getByTestId('router-dirty').count()) === 0, 'loading changed nothing');
      await editor.locator('[data-testid="filter-row"][data-column="title"] input[type="text"]').fill('b');
      let where = (await jsonSteps())[0].list.where;
      assert(JSON.stringify(where) === '{"published":{"eq":true},"title":{"contains":"b"}}', `eq kept, the edit written: ${JSON.stringify(where)}`);
      await card(0).getByTestId('add-filter').click();
      await eventually(async () => (await rows.count()) === 3, 'a third row');
      const added = rows.nth(2);
      assert((await added.getByTestId('filter-op').inputValue()) === '=', 'a new row is "equals"');
      await added.getByTestId('filter-op').selectOption({ label: 'at least' });
      where = (await jsonSteps())[0].list.where;
      const column = await added.getAttribute('data-column');
      assert(JSON.stringify(where[column]) === '{"gte":""}', `"at least" is gte: ${JSON.stringify(where)}`);
      await discard();
    });

    await step('walkthrough: a table name\'s problem shows once the field is left and goes as soon as the name is valid', async () => {
      await openDatabase();
      const rev = await revision();
      await page.getByTestId('new-table').click();
      await eventually(async () => (await tableTitle.innerText()) === 'New table', 'the new table opens');
      const name = page.locator('#table-name');
      const error = page.locator('#table-name-error');
      await name.fill('Walk Notes');
      assert((await error.count()) === 0, 'no problem while the name is first typed');
      await name.blur();
      await error.waitFor();
      assert(/lowercase letters/.test(await error.innerText()), `what is wrong: ${await error.innerText()}`);
      await name.fill('walk_notes');
      await eventually(async () => (await error.count()) === 0, 'a valid name clears the problem at once');
      // The server's refusal (a name in use) goes as soon as the name changes, too.
      await name.fill('posts');
      await page.getByTestId('add-column').click();
      await page.getByTestId('column-row-0').getByLabel('Column name').fill('note');
      await page.getByTestId('table-save').click();
      await error.waitFor();
      assert((await error.innerText()).includes('a table named `posts` exists'), `refused at the name: ${await error.innerText()}`);
      await name.fill('posts_two');
      await eventually(async () => (await error.count()) === 0, 'changed, the refusal is gone');
      assert(!/exists/.test(await page.getByTestId('table-editor').innerText()), 'not listed either');
      assert((await revision()) === rev, 'nothing was saved');
    });

    await step('walkthrough: leaving the table editor with unsaved edits asks first and Cancel stays; nothing is asked when nothing changed or after Save', async () => {
      const name = page.locator('#table-name');
      const unloadPrevented = () =>
        page.evaluate(() => {
          const e = new Event('beforeunload', { cancelable: true });
          window.dispatchEvent(e);
          return e.defaultPrevented;
        });
      dialogs.answer = 'dismiss';
      dialogs.seen = [];
      await page.getByTestId('table-item-comments').click();
      await eventually(async () => dialogs.seen.length === 1, 'another table: asked');
      assert(/The new table has unsaved changes/.test(dialogs.seen[0]), `the question: ${dialogs.seen[0]}`);
      assert((await tableTitle.innerText()) === 'New table' && (await name.inputValue()) === 'posts_two', 'Cancel: the edits stay');
      assert(!/table=comments/.test(page.url()), `still here: ${page.url()}`);
      await page.getByRole('link', { name: 'Routers', exact: true }).click();
      await eventually(async () => dialogs.seen.length === 2, 'another page: asked');
      assert(/\/admin\/database/.test(page.url()), `still on the Database page: ${page.url()}`);
      await page.getByTestId('tab-rows').click();
      await eventually(async () => dialogs.seen.length === 3, 'the Rows tab: asked');
      assert(!/tab=rows/.test(page.url()) && (await name.inputValue()) === 'posts_two', 'still the edited table');
      assert(await unloadPrevented(), 'a reload or closing the tab asks too (beforeunload)');
      dialogs.answer = 'accept';
      await page.getByTestId('table-item-comments').click();
      await eventually(async () => dialogs.seen.length === 4 && (await tableTitle.innerText()) === 'comments', 'confirmed: comments opens');
      // Unchanged: no question.
      await page.getByTestId('table-item-posts').click();
      await eventually(async () => (await tableTitle.innerText()) === 'posts', 'posts opens');
      assert(dialogs.seen.length === 4, `nothing asked when nothing changed: ${dialogs.seen.join(' | ')}`);
      assert(!(await unloadPrevented()), 'nor on reload');
      // An existing table's edits are guarded the same; saved, they are not.
      await page.locator('#table-description').fill('Posts, described in the walkthrough.');
      await page.getByTestId('table-item-comments').click();
      await eventually(async () => dialogs.seen.length === 5 && (await tableTitle.innerText()) === 'comments', 'asked for posts, then left');
      assert(/Table posts has unsaved changes/.test(dialogs.seen[4]), `names the table: ${dialogs.seen[4]}`);
      await page.getByTestId('table-item-posts').click();
      await eventually(async () => (await tableTitle.innerText()) === 'posts', 'posts again');
      assert((await page.locator('#table-description').inputValue()) !== 'Posts, described in the walkthrough.', 'left: the edit was dropped');
      await page.locator('#table-description').fill('Posts, saved in the walkthrough.');
      await page.getByTestId('table-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Table posts saved' }).waitFor();
      assert(!(await unloadPrevented()), 'saved: a reload asks nothing');
      await page.getByTestId('table-item-comments').click();
      await eventually(async () => (await tableTitle.innerText()) === 'comments', 'comments opens');
      assert(dialogs.seen.length === 5, `nothing asked after Save: ${dialogs.seen.join(' | ')}`);
    });

    await step('walkthrough: body fields keep the order they were given, after Save and a reload', async () => {
      const order = ['zeta', 'alpha', 'mid'];
      await openRouters();
      await page.getByTestId('new-router').click();
      await formView();
      await editor.locator('#router-name').fill('walkOrder');
      await editor.locator('#router-method').selectOption('POST');
      await editor.locator('#router-path').fill('/walk-order');
      const body = editor.getByTestId('schema-body');
      for (let i = 0; i < order.length; i++) {
        await body.getByTestId('add-body-field').click();
        const row = body.getByTestId('field-row').nth(i);
        await row.getByTestId('field-name').fill(order[i]);
        await row.getByTestId('field-name').blur();
        await body.locator(`[data-field="${order[i]}"]`).waitFor();
      }
      const shown = () => body.getByTestId('field-row').evaluateAll((rows) => rows.map((r) => r.dataset.field));
      await editor.getByTestId('router-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Router walkOrder saved' }).waitFor();
      await page.waitForURL(/router=walkOrder/);
      await formView();
      const saved = await savedRouter('walkOrder');
      assert(JSON.stringify(Object.keys(saved.input.body.properties)) === JSON.stringify(order), `saved in order: ${JSON.stringify(saved.input.body)}`);
      assert(JSON.stringify(await shown()) === JSON.stringify(order), `shown in order after Save: ${await shown()}`);
      await page.reload();
      await formView();
      await eventually(async () => JSON.stringify(await shown()) === JSON.stringify(order), 'in order after a reload');
    });

    await step('walkthrough: empty states read with their spaces ("No routers yet. Create one…")', async () => {
      await importDoc(EMPTY);
      await openRouters();
      const routers = page.getByTestId('router-empty');
      await eventually(async () => (await routers.innerText()).trim() === 'No routers yet. Create one, or import a workspace JSON file.',
        `the routers' empty state: ${await routers.innerText().catch(() => '')}`);
      await page.getByRole('link', { name: 'Database', exact: true }).click();
      await page.waitForURL(/\/admin\/database/);
      await page.getByTestId('table-empty').getByText('No tables yet.', { exact: true }).waitFor();
      // A release's detail: "… of test · rollback to release 1", "…, <date> · applied in …".
      await page.goto(`${base}/admin/releases?to=production&release=3`);
      const detail = page.getByTestId('release-detail');
      await detail.getByTestId('release-detail-status').waitFor();
      const lines = (await detail.locator('dd').allInnerTexts()).map((l) => l.trim());
      assert(lines.some((l) => /\S · rollback to release 1$/.test(l)), `the rollback line, spaced: ${JSON.stringify(lines)}`);
      assert(lines.every((l) => !/\S·|·\S/.test(l)), `every "·" between spaces: ${JSON.stringify(lines)}`);
      await detail.getByTestId('release-detail-close').click();
    });

    await step('walkthrough: a restored revision is what the Routers page and the History view show afterwards', async () => {
      const probe = (v) => ({ name: 'walkHistory', method: 'GET', path: '/walk-history', access: { allow: 'public' },
        steps: [{ respond: { status: 200, body: { v } } }] });
      const put = async (v) => (await gql('mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: probe(v) })).putRouter.revision;
      const older = await put('first');
      const newer = await put('second');
      await page.getByRole('link', { name: 'History', exact: true }).click();
      await page.waitForURL(/\/admin\/history/);
      await page.getByTestId(`revision-row-${older}`).getByTestId('revision-restore').click(); // confirmed
      const restored = newer + 1;
      await page.locator(`[data-testid="revision-row-${restored}"][data-current="true"]`).waitFor();
      await page.getByTestId(`revision-row-${restored}`).getByTestId('revision-open').click();
      const doc = JSON.parse(await page.getByTestId('revision-detail').locator('#revision-document').inputValue());
      assert(doc.routers.find((r) => r.name === 'walkHistory')?.steps[0].respond.body.v === 'first', 'the restored revision holds the older content');
      await page.getByTestId('revision-detail-close').click();
      await page.getByRole('link', { name: 'Routers', exact: true }).click();
      await page.getByTestId('router-item-walkHistory').click();
      await editor.getByTestId('router-view-json').click();
      const steps = JSON.parse(await editor.locator('#router-steps').inputValue());
      assert(steps[0].respond.body.v === 'first', `the Routers page shows the restored content: ${JSON.stringify(steps)}`);
      await formView();
      assert((await card(0).getByTestId('respond-body').locator('input').inputValue()) === '{"v":"first"}', 'the form too');
    });
  } finally {
    await t.gql(page, 'mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: before });
    for (const l of kept) page.on('dialog', l);
    page.off('dialog', onDialog);
  }
}
