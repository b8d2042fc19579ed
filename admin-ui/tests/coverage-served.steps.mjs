// The browser test's coverage and served-definition steps: a router whose
// happy path cannot be generated (no router creates the row its path names)
// is red on the Tests page with the reason, and the Deploy page lists it as
// untested; the production API page shows the access it serves, not the
// workspace's newer one; a PATCH router built from the forms has "Only the
// fields sent" on, validates, and a PATCH of one field through the console
// leaves the other columns as they were. Run by browser.test.mjs on the real
// server; the workspace is put back as it was found (and test refreshed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const WIDGETS = {
  name: 'widgets',
  columns: [
    { name: 'name', type: 'text', required: true },
    { name: 'size', type: 'integer' },
    { name: 'colour', type: 'text' },
  ],
};
// Its path names a widget, and no router creates one: no happy path can be generated.
const GET_WIDGET = {
  name: 'getWidget',
  method: 'GET',
  path: '/widgets/{id}',
  access: { allow: 'public' },
  input: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } },
  steps: [{ as: 'widget', get: { table: 'widgets', id: '${request.params.id}' } }, { respond: { status: 200, body: '${steps.widget}' } }],
};

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
 * @param {number} t.runTimeout
 */
export async function coverageServedSteps(t) {
  const { page, base, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const blog = () => JSON.parse(readFileSync(t.blogPath, 'utf8'));
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const importDoc = (d) => gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d });
  const refreshTest = async () => {
    const { refresh } = await gql('mutation { refresh(environment: "test", allowDestructive: true) { revision testRun { id } } }');
    const id = refresh.testRun?.id;
    if (id) {
      await eventually(async () => (await gql('query($id: ID!) { testRun(id: $id) { status } }', { id })).testRun.status !== 'RUNNING',
        `test run ${id} ended`, t.runTimeout);
    }
    return refresh.revision;
  };
  const go = async (path, env) => {
    await page.goto(`${base}/admin/${path}${path.includes('?') ? '&' : '?'}env=${env}`);
    await page.getByTestId('viewer-email').waitFor();
  };

  const found = (await gql('{ workspace { document } }')).workspace.document;
  try {
    await step('coverage: a router whose happy path cannot be generated is red on Tests, saying why; the others are green', async () => {
      const doc = blog();
      doc.tables.push(WIDGETS);
      doc.routers.push(GET_WIDGET);
      await importDoc(doc);
      await refreshTest();
      await go('tests', 'test');
      const group = page.locator('[data-testid="router-cases-getWidget"][data-verdict="untested"]');
      await group.waitFor({ timeout: t.runTimeout });
      const verdict = (await group.getByTestId('coverage-verdict').innerText()).trim();
      assert(/^✕\s*Not tested: no router creates the `widgets` row/.test(verdict), `says why, with a mark beside the colour: ${verdict}`);
      assert(/no router creates/.test(await group.locator('[data-testid="coverage-skipped"][data-kind="NOT_FOUND"]').innerText()), 'the kinds skipped, each with why');
      const listPosts = page.locator('[data-testid="router-cases-listPosts"][data-verdict="ok"]');
      await listPosts.locator('[data-testid="coverage-ran"][data-kind="HAPPY_PATH"]').waitFor();
      const summary = page.getByTestId('coverage-summary');
      assert((await summary.getAttribute('data-untested')) === 'getWidget', `the summary names it: ${await summary.getAttribute('data-untested')}`);
      assert((await summary.innerText()).includes('8 of 9 routers have a passing happy path'), `the summary: ${await summary.innerText()}`);
      await shot('tests-coverage.png');
    });

    await step('deploy: the gate lists the untested router and Deploy is blocked naming it; the server refuses with extensions.untested', async () => {
      await page.getByRole('link', { name: 'Deploy', exact: true }).click();
      await page.waitForURL(/\/admin\/deploy/);
      await page.locator('[data-testid="gate-untested-router"][data-router="getWidget"]').waitFor();
      const blocked = page.getByTestId('deploy-blocked');
      assert((await blocked.getByTestId('blocked-untested').getAttribute('data-routers')) === 'getWidget', 'the form names it');
      assert(/no case that ran/.test(await blocked.innerText()), `says why: ${await blocked.innerText()}`);
      assert(await page.getByTestId('deploy-button').isDisabled(), 'Deploy is disabled');
      const refused = await t.gql(page, 'mutation { deploy(input: { from: "test", to: "production" }) { number } }');
      const error = refused.errors?.[0];
      assert(error?.extensions?.code === 'TESTS_NOT_PASSED', `refused: ${JSON.stringify(refused)}`);
      assert(JSON.stringify(error.extensions.untested) === '["getWidget"]', `names it: ${JSON.stringify(error.extensions)}`);
      await shot('deploy-untested.png');
    });

    await step('api: production shows the access it serves, not the workspace\'s newer one, and which release it is', async () => {
      const { environment: prod } = await gql('{ environment(slug: "production") { name servedRelease { number } servedWorkspace { revision routers { name definition } } } }');
      assert(prod.servedRelease && prod.servedWorkspace, `production serves a release: ${JSON.stringify(prod)}`);
      const served = prod.servedWorkspace.routers.find((r) => r.name === 'deletePost')?.definition.access;
      assert(JSON.stringify(served) === '{"allow":{"groups":["editors"]}}', `served access of deletePost: ${JSON.stringify(served)}`);
      const doc = (await gql('{ workspace { document } }')).workspace.document;
      doc.routers.find((r) => r.name === 'deletePost').access = { allow: 'public' };
      await importDoc(doc); // saved, neither refreshed nor deployed

      await go('api', 'production');
      const line = page.locator(`[data-testid="served-by"][data-release="${prod.servedRelease.number}"]`);
      await line.waitFor();
      assert((await line.getAttribute('data-revision')) === String(prod.servedWorkspace.revision), 'the served revision');
      const text = await line.innerText();
      assert(new RegExp(`^Served by ${prod.name}: release ${prod.servedRelease.number}\\b.*revision ${prod.servedWorkspace.revision}\\b`).test(text),
        `the line says what it shows: ${text}`);
      await line.getByTestId('served-behind').waitFor();
      const row = page.getByTestId('router-stat-deletePost');
      await eventually(async () => (await row.getAttribute('data-access')) === 'Groups: editors', 'the served access of deletePost');
      assert((await row.getByTestId('router-access').innerText()).trim() === 'Groups: editors', 'shown as served');
      await shot('api-production-served.png');

      // The test environment's page is the same: what it serves until a refresh.
      await go('api', 'test');
      await page.locator('[data-testid="served-by"][data-release=""]').getByText('Served by').waitFor();
      await eventually(async () => (await page.getByTestId('router-stat-deletePost').getAttribute('data-access')) === 'Groups: editors',
        'test shows its served access too');
    });

    await step('router builder: a PATCH router from the forms has "Only the fields sent" on; a PATCH of one field leaves the others', async () => {
      await go('routers', 'test');
      const editor = page.getByTestId('router-editor');
      await page.getByTestId('new-router').click();
      await editor.getByTestId('router-view-form').click();
      await editor.getByTestId('input-builder').waitFor();
      await editor.locator('#router-name').fill('patchWidget');
      await editor.locator('#router-method').selectOption('PATCH');
      await editor.locator('#router-path').fill('/widgets/{id}');
      const body = editor.getByTestId('schema-body');
      await body.getByTestId('body-from-table').selectOption('widgets');
      await body.locator('[data-field="colour"]').waitFor();
      for (const f of ['name', 'size', 'colour']) {
        assert(!(await body.locator(`[data-field="${f}"]`).getByTestId('field-required').isChecked()), `${f} is not required in a PATCH`);
      }
      assert((await body.getByTestId('patch-required-hint').count()) === 0, 'nothing required to warn of');
      await editor.getByTestId('add-step-update').click();
      const update = editor.locator('[data-testid="step-card"][data-index="0"][data-kind="update"]');
      await update.waitFor();
      const partial = update.getByTestId('step-partial');
      assert(await partial.isChecked(), '"Only the fields sent" is on for a PATCH');
      await update.getByText('Only the fields sent').waitFor();
      await eventually(async () => (await update.getByTestId('value-row').count()) === 3, 'a value per body field');
      const respond = editor.locator('[data-testid="step-card"][data-index="1"]').getByTestId('respond-body').locator('input');
      await respond.fill('${steps.widget}');
      await editor.getByTestId('router-valid').waitFor();
      await shot('router-builder-patch.png');
      await editor.getByTestId('router-save').click();
      await page.getByTestId('toast').filter({ hasText: 'Router patchWidget saved' }).waitFor();
      const { workspace } = await gql('{ workspace { document } }');
      const saved = workspace.document.routers.find((r) => r.name === 'patchWidget');
      assert(saved.steps[0].update.partial === true && saved.steps[0].update.table === 'widgets', `partial: ${JSON.stringify(saved.steps)}`);
      assert(!saved.input.body.required, `no required body field: ${JSON.stringify(saved.input.body)}`);
      const problems = (await gql('query($d: JSON!) { validateWorkspace(document: $d) { path message } }', { d: workspace.document })).validateWorkspace;
      assert(problems.length === 0, `the workspace validates: ${JSON.stringify(problems)}`);

      await refreshTest();
      const { insertRow } = await gql('mutation($v: JSON!) { insertRow(environment: "test", table: "widgets", values: $v) { id } }',
        { v: { name: 'Sprocket', size: 3, colour: 'red' } });
      await go('api?tab=console', 'test');
      await eventually(async () => (await page.getByTestId('console-router').locator('option[value="patchWidget"]').count()) === 1,
        'the console offers patchWidget');
      await page.getByTestId('console-router').selectOption('patchWidget');
      await page.getByLabel('Anonymous').check();
      await page.getByTestId('console-param-id').fill(String(insertRow.id));
      await page.locator('#console-body').fill('{"size": 7}');
      await page.getByTestId('console-send').click();
      const result = page.locator('[data-testid="console-result"][data-status="200"]');
      await result.waitFor();
      const { rows } = await gql('{ rows(environment: "test", table: "widgets", first: 100) { nodes { id values } } }');
      const values = rows.nodes.find((r) => r.id === insertRow.id)?.values;
      assert(values?.size === 7 && values.name === 'Sprocket' && values.colour === 'red', `only size changed: ${JSON.stringify(values)}`);
    });
  } finally {
    await t.gql(page, 'mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: found });
    await t.gql(page, 'mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
  }
}
