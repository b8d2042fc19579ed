// The browser test's run-error steps: a workspace valid as a document whose
// fixtures the store refuses (posts.title unique, the second fixture post
// titled as the first) is refreshed in test from the SPA; its run ends ERROR,
// and the refresh dialog, the Tests page (live, then after a reload), the
// dashboard's last run and the Deploy page's gate say why, naming
// fixtures.rows.posts[1], with where fixtures are edited. Run by
// browser.test.mjs on the real server; the workspace is put back as it was
// found and test refreshed (its run awaited).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PLACE = 'fixtures.rows.posts[1]';

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
export async function runErrorSteps(t) {
  const { page, base, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const importDoc = (d) => gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d });
  const go = async (path) => {
    await page.goto(`${base}/admin/${path}${path.includes('?') ? '&' : '?'}env=test`);
    await page.getByTestId('viewer-email').waitFor();
  };
  /** The reason shown in the box `testid`: it names the fixture's place, and the hint links to Routers. */
  const saysWhy = async (box, testid) => {
    await box.waitFor({ timeout: t.runTimeout });
    const reason = (await box.getByTestId(`${testid}-reason`).innerText()).trim();
    assert(reason.startsWith(`${PLACE}: could not be loaded`), `${testid} names the fixture: ${reason}`);
    assert((await box.innerText()).startsWith('The run stopped:'), `${testid} says the run stopped: ${await box.innerText()}`);
    const hint = box.getByTestId(`${testid}-hint`);
    assert(/fixtures/.test(await hint.innerText()), `${testid} says where fixtures are edited: ${await hint.innerText()}`);
    assert((await hint.getByRole('link', { name: 'Routers' }).getAttribute('href')) === '/admin/routers', `${testid} links to Routers`);
    return reason;
  };

  const found = (await gql('{ workspace { document } }')).workspace.document;
  try {
    await step('run error: a fixture the store refuses stops the run; the refresh dialog and Tests (live, reloaded) say why', async () => {
      const doc = JSON.parse(readFileSync(t.blogPath, 'utf8'));
      const posts = doc.tables.find((x) => x.name === 'posts');
      posts.columns.find((c) => c.name === 'title').unique = true;
      const rows = doc.fixtures.rows.posts;
      rows[1].title = rows[0].title;
      assert(rows[0].title === 'Welcome', `the first fixture post is "Welcome": ${rows[0].title}`);
      const problems = (await gql('query($d: JSON!) { validateWorkspace(document: $d) { path message } }', { d: doc })).validateWorkspace;
      assert(problems.length === 0, `valid as a document: ${JSON.stringify(problems)}`);
      await importDoc(doc);

      await go('tests');
      await page.getByTestId('run-bar').waitFor();
      await page.getByTestId('refresh-button').click();
      const dialog = page.getByTestId('refresh-dialog');
      await dialog.getByTestId('migration-changes').waitFor();
      // Coming from what earlier steps left, the migration may drop something: consent then.
      if (await dialog.getByTestId('refresh-consent').count()) await dialog.getByTestId('refresh-consent').locator('input').check();
      await dialog.getByTestId('refresh-run').click();
      await dialog.getByTestId('refresh-result').waitFor();
      await dialog.locator('[data-testid="refresh-test-run"][data-status="ERROR"]').waitFor({ timeout: t.runTimeout });
      const reason = await saysWhy(dialog.getByTestId('refresh-test-run-stopped'), 'refresh-test-run-stopped');
      await t.page.screenshot({ path: join(t.shots, 'run-error-refresh.png'), fullPage: true });
      await dialog.getByRole('button', { name: 'Done' }).click();
      await eventually(async () => (await page.getByTestId('refresh-dialog').count()) === 0, 'the dialog closed');

      // The page under the dialog followed the same run live.
      const bar = page.locator('[data-testid="test-run"][data-status="ERROR"]');
      await bar.waitFor();
      const live = await saysWhy(page.getByTestId('test-run-stopped'), 'test-run-stopped');
      assert(live === reason, `the same reason live: ${live}`);
      const { latestTestRun } = await gql('{ latestTestRun(environment: "test") { id status error } }');
      assert(latestTestRun.status === 'ERROR' && latestTestRun.error === reason, `the server's run: ${JSON.stringify(latestTestRun)}`);
      assert((await page.getByTestId('test-run-stopped').getAttribute('data-run')) === latestTestRun.id, 'the box is of that run');

      await page.reload();
      await page.locator(`[data-testid="test-run"][data-status="ERROR"][data-run="${latestTestRun.id}"]`).waitFor();
      assert((await saysWhy(page.getByTestId('test-run-stopped'), 'test-run-stopped')) === reason, 'the same reason after a reload');
      await t.page.screenshot({ path: join(t.shots, 'run-error-tests.png'), fullPage: true });
    });

    await step('run error: the dashboard\'s last run and the Deploy page\'s gate say why the run stopped', async () => {
      await page.goto(`${base}/admin/`);
      const overview = page.locator('[data-testid="env-overview"][data-slug="test"]');
      await overview.locator('[data-testid="last-run"][data-status="ERROR"]').waitFor();
      await saysWhy(overview.getByTestId('last-run-stopped'), 'last-run-stopped');
      assert((await overview.getByTestId('last-run-link').innerText()).trim() === 'see why it stopped', 'the link says what it shows');

      await page.getByRole('link', { name: 'Deploy', exact: true }).click();
      await page.waitForURL(/\/admin\/deploy/);
      const gate = page.getByTestId('deploy-gate');
      await gate.waitFor();
      await saysWhy(gate.getByTestId('gate-run-stopped'), 'gate-run-stopped');
      assert(await page.getByTestId('deploy-button').isDisabled(), 'Deploy is disabled while the run stopped');
      await t.page.screenshot({ path: join(t.shots, 'run-error-deploy.png'), fullPage: true });
    });
  } finally {
    await t.gql(page, 'mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: found });
    const res = await t.gql(page, 'mutation { refresh(environment: "test", allowDestructive: true) { revision testRun { id } } }');
    const id = res.data?.refresh?.testRun?.id;
    if (id) {
      await eventually(async () => (await t.gql(page, 'query($id: ID!) { testRun(id: $id) { status } }', { id })).data?.testRun?.status !== 'RUNNING',
        `the restoring run ${id} ended`, t.runTimeout);
    }
  }
}
