// The browser test's deploy steps: the blog deployed to production through
// the Deploy page (gate, diff, live steps), a red run blocking Deploy, a
// rollback from the Releases page, production's settings (secrets, router
// settings, groups by email), the audit log, and what a viewer may do there.
// Run by browser.test.mjs on the real server; each step sets up the
// workspace it needs through GraphQL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const RED_CASE = 'listPosts: expects a teapot';
const PING = {
  name: 'ping',
  description: 'Answers pong.',
  method: 'GET',
  path: '/ping',
  access: { allow: 'public' },
  steps: [{ respond: { status: 200, body: { pong: true } } }],
};

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {import('playwright-core').Browser} t.browser
 * @param {string} t.base where the SPA is served
 * @param {string} t.serverBase the server itself (data plane)
 * @param {string} t.blogPath examples/blog.json
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 * @param {number} t.timeout
 * @param {number} t.runTimeout
 * @param {(err: string) => void} t.onPageError
 */
export async function deploySteps(t) {
  const { page, step, eventually, assert, serverBase } = t;
  const gql = (query, variables) => t.gql(page, query, variables);
  const blog = () => JSON.parse(readFileSync(t.blogPath, 'utf8'));
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const status = async (path) => (await fetch(`${serverBase}/env/production${path}`)).status;

  /** Imports `doc` and refreshes `test` (its tests run); resolves to the refresh's revision and run. */
  const serveInTest = async (doc) => {
    const imported = await gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: doc });
    assert(!imported.errors, `importWorkspace failed: ${JSON.stringify(imported.errors)}`);
    const res = await gql('mutation { refresh(environment: "test", allowDestructive: true) { revision testRun { id } } }');
    assert(!res.errors && res.data.refresh.testRun, `refresh failed: ${JSON.stringify(res)}`);
    return { revision: res.data.refresh.revision, run: res.data.refresh.testRun.id };
  };
  const runEnds = async (id) => {
    let ended = null;
    await eventually(async () => {
      const res = await gql('query($id: ID!) { testRun(id: $id) { status } }', { id });
      ended = res.data?.testRun?.status ?? null;
      return !!ended && ended !== 'RUNNING';
    }, `test run ${id} ended`, t.runTimeout);
    return ended;
  };
  const openDeploy = async () => {
    await page.getByRole('link', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(/\/admin\/deploy/);
    await page.getByTestId('deploy-page').waitFor();
  };
  const change = (what, name, kind) =>
    page.locator(`[data-testid="plan-changes"] [data-what="${what}"][data-name="${name}"][data-change="${kind}"]`);

  await step('deploy: with the blog served and green in test, Deploy shows the gate open and the diff grouped', async () => {
    const { revision } = await serveInTest(blog());
    await openDeploy(); // while the run may still go on: the page follows it
    assert((await page.getByTestId('deploy-from').inputValue()) === 'test', 'from test by default');
    assert((await page.getByTestId('deploy-to').inputValue()) === 'production', 'to production by default');
    await page.locator('[data-testid="deploy-gate"][data-status="PASSED"]').waitFor({ timeout: t.runTimeout });
    await page.locator(`[data-testid="served-source"][data-revision="${revision}"]`).waitFor();
    await page.getByTestId('served-target').getByText('Nothing deployed').waitFor();
    const gate = page.getByTestId('gate-run');
    await eventually(async () => (await gate.getAttribute('data-passed')) === (await gate.getAttribute('data-total')), 'every case passed');
    const listPosts = change('router', 'listPosts', 'ADDED');
    await listPosts.waitFor();
    assert((await listPosts.innerText()).includes('GET /posts'), `the router's summary: ${await listPosts.innerText()}`);
    assert((await page.locator('[data-testid="plan-changes"] [data-what="router"]').count()) === 8, 'eight routers added');
    await change('table', 'posts', 'ADDED').waitFor();
    await change('group', 'editors', 'ADDED').waitFor();
    const sections = await page.getByTestId('plan-changes').locator('h4').allInnerTexts();
    assert(sections[0].startsWith('Routers') && sections[1].startsWith('Tables') && sections[2].startsWith('Groups'),
      `grouped by routers, tables, groups: ${sections.join(' | ')}`);
    assert((await page.locator('[data-testid="plan-migration"] li[data-kind="createTable"]').count()) === 2, 'two tables created');
    assert(!(await page.getByTestId('deploy-button').isDisabled()), 'Deploy is enabled');
    assert((await page.getByTestId('deploy-blocked').count()) === 0, 'nothing blocks it');
    await shot('deploy.png');
  });

  await step('deploy: pressing Deploy shows each step live, then release 1 active; production serves /posts', async () => {
    await page.getByTestId('deploy-note').fill('The blog, from the browser test');
    await page.getByTestId('deploy-button').click();
    const progress = page.locator('[data-testid="deploy-progress"][data-release="1"]');
    await progress.waitFor();
    const outcome = progress.locator('[data-testid="deploy-outcome"][data-status="ACTIVE"]');
    await outcome.waitFor();
    // The mutation may answer before the stream's last events arrive.
    await eventually(async () => (await progress.getAttribute('data-live')) === 'true', 'the steps came over deployEvents');
    for (const s of ['compile', 'plan', 'migrate', 'switch']) {
      const el = progress.getByTestId(`deploy-step-${s}`);
      assert((await el.getAttribute('data-status')) === 'done', `${s} is done`);
      assert(/\d ms|\d s/.test(await el.innerText()), `${s} shows its time: ${await el.innerText()}`);
    }
    const log = await progress.getByTestId('deploy-log').innerText();
    assert(log.includes('release 1 is active'), `the log says so: ${log}`);
    assert((await outcome.getByTestId('deploy-outcome-url').innerText()).trim().endsWith('/env/production'), 'the base URL');
    await page.locator('[data-testid="served-target"][data-release="1"]').waitFor();
    // The plan is asked again: the next deploy would be release 2, with nothing to change.
    await page.locator('[data-testid="deploy-plan"][data-release="2"]').waitFor();
    await page.locator('[data-testid="plan-changes"][data-count="0"]').waitFor();
    await shot('deploy-done.png');
    assert((await status('/posts')) === 200, 'GET /env/production/posts answers 200');
  });

  await step('deploy: a red test run disables Deploy and says why, naming the failed case', async () => {
    const doc = blog();
    doc.tests = [{ name: RED_CASE, router: 'listPosts', actAs: 'anonymous', steps: [{ method: 'GET', path: '/posts', expect: { status: 418 } }] }];
    const { run } = await serveInTest(doc);
    assert((await runEnds(run)) === 'FAILED', 'the run failed');
    await page.locator('[data-testid="deploy-gate"][data-status="FAILED"]').waitFor(); // followed without a reload
    await page.locator(`[data-testid="gate-failed-case"][data-case="${RED_CASE}"]`).waitFor();
    const button = page.getByTestId('deploy-button');
    assert(await button.isDisabled(), 'Deploy is disabled');
    const blocked = page.getByTestId('deploy-blocked');
    const text = await blocked.innerText();
    assert(text.includes(RED_CASE) && /ended failed/.test(text), `explains why: ${text}`);
    const message = await page.getByTestId('gate-message').innerText();
    assert(message.includes(RED_CASE) && /an owner may force/.test(message), `the server's message: ${message}`);
    // Owners may force, with a reason only.
    await blocked.getByTestId('force-toggle').check();
    assert(await button.isDisabled(), 'forcing waits for a reason');
    await page.getByTestId('force-reason').fill('Hotfix, the teapot case is wrong');
    await eventually(async () => !(await button.isDisabled()), 'a reason enables Force deploy');
    assert((await button.innerText()).includes('Force deploy'), 'the button says it forces');
    await blocked.getByTestId('force-toggle').uncheck();
    assert(await button.isDisabled(), 'disabled again');
    await shot('deploy-blocked.png');
  });

  await step('releases: after release 2 (a router added), a rollback to release 1 makes release 3 serving it again', async () => {
    const doc = blog();
    doc.routers.push(PING);
    const { run } = await serveInTest(doc);
    assert((await runEnds(run)) === 'PASSED', 'the run passed');
    await page.locator('[data-testid="deploy-gate"][data-status="PASSED"]').waitFor();
    await change('router', 'ping', 'ADDED').waitFor();
    await page.getByTestId('deploy-button').click();
    const outcome = page.locator('[data-testid="deploy-progress"][data-release="2"] [data-testid="deploy-outcome"][data-status="ACTIVE"]');
    await outcome.waitFor();
    assert((await status('/ping')) === 200, 'production serves /ping');
    await outcome.getByTestId('deploy-outcome-releases').click();
    await page.waitForURL(/\/admin\/releases\?.*release=2/);
    const detail = page.getByTestId('release-detail');
    await detail.locator('[data-testid="release-changes"] [data-name="ping"][data-change="ADDED"]').waitFor();
    assert((await detail.getByTestId('release-log').innerText()).includes('release 2 is active'), 'the detail has the log');
    await detail.getByTestId('release-detail-close').click();
    await page.locator('[data-testid="release-row-2"][data-status="ACTIVE"]').waitFor();
    const first = page.locator('[data-testid="release-row-1"][data-status="SUPERSEDED"]');
    await first.waitFor();
    assert((await page.getByTestId('release-row-2').getByTestId('release-rollback').count()) === 0, 'no rollback to the active release');
    await first.getByTestId('release-rollback').click();
    const dialog = page.getByTestId('rollback-dialog');
    await dialog.locator('[data-testid="rollback-changes"] [data-name="ping"][data-change="REMOVED"]').waitFor();
    assert(/stay in the database, unserved/.test(await dialog.innerText()), 'explains what stays without consent');
    await shot('rollback-plan.png');
    await dialog.getByTestId('rollback-confirm').click();
    await dialog.locator('[data-testid="deploy-progress"][data-release="3"] [data-testid="deploy-outcome"][data-status="ACTIVE"]').waitFor();
    await dialog.getByTestId('rollback-done').click();
    await page.locator('[data-testid="release-row-3"][data-status="ACTIVE"][data-rollback-of="1"]').waitFor();
    await page.locator('[data-testid="release-row-2"][data-status="ROLLED_BACK"]').waitFor();
    await shot('releases.png');
    assert((await status('/ping')) === 404, 'production no longer serves /ping');
    assert((await status('/posts')) === 200, 'but still /posts');
  });

  await step('production settings: a secret is listed masked; a router switched off answers 503; groups are granted by email', async () => {
    await openDeploy();
    await page.getByTestId('target-settings-link').click();
    await page.waitForURL(/\/admin\/settings\/environment\?.*env=production/);
    const secrets = page.getByTestId('secrets-panel');
    await secrets.getByText('No secrets in').waitFor();
    await page.locator('#secret-name').fill('MAIL_KEY');
    await page.locator('#secret-value').fill('value-never-shown-123');
    await page.getByTestId('secret-save').click();
    const row = page.getByTestId('secret-row-MAIL_KEY');
    await row.waitFor();
    assert((await row.innerText()).includes('••••••'), 'masked');
    assert(!(await page.content()).includes('value-never-shown-123'), 'the value is nowhere on the page');
    await row.getByTestId('secret-delete').click(); // confirm() is accepted
    await eventually(async () => (await page.getByTestId('secret-row-MAIL_KEY').count()) === 0, 'the secret is deleted');

    const listPosts = page.getByTestId('router-settings-listPosts');
    await listPosts.getByTestId('router-access-default').waitFor();
    await listPosts.getByTestId('router-enabled').uncheck();
    await listPosts.getByTestId('router-disabled-status').selectOption('503');
    await listPosts.getByTestId('router-settings-save').click();
    await page.locator('[data-testid="router-settings-listPosts"][data-enabled="false"]').waitFor();
    assert((await status('/posts')) === 503, 'switched off, /posts answers 503');
    await listPosts.getByTestId('router-enabled').check();
    await listPosts.getByTestId('router-settings-save').click();
    await page.locator('[data-testid="router-settings-listPosts"][data-enabled="true"]').waitFor();
    assert((await status('/posts')) === 200, 'switched on again');

    const grant = page.getByTestId('grant-groups');
    await grant.getByTestId('grant-email').fill('nobody@example.com');
    await grant.getByRole('group', { name: 'Groups to grant' }).getByLabel('editors').check();
    await grant.getByTestId('grant-submit').click();
    await grant.getByText('No end user with that email').waitFor();
    const signup = await fetch(`${serverBase}/env/production/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'first-editor@example.com', password: 'first-editor-password' }),
    });
    assert(signup.status === 201, `signup in production: ${signup.status}`);
    await grant.getByTestId('grant-email').fill('first-editor@example.com');
    await grant.getByTestId('grant-submit').click();
    await grant.getByTestId('grant-result').getByText('is now in editors').waitFor();
    await shot('environment-settings.png');
  });

  await step('audit: the owner reads deploys, the rollback and settings, filtered by action', async () => {
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.waitForURL(/\/admin\/audit/);
    for (const action of ['deploy', 'rollback', 'secret.set', 'secret.delete', 'router.settings', 'end_user.groups']) {
      await page.locator(`[data-testid="audit-row"][data-action="${action}"]`).first().waitFor();
    }
    assert((await page.getByTestId('audit-row').first().getAttribute('data-action')) === 'end_user.groups', 'newest first');
    await page.getByTestId('audit-action').selectOption('deploy');
    const rows = page.getByTestId('audit-row');
    await eventually(async () => {
      const actions = await rows.evaluateAll((els) => els.map((e) => e.dataset.action));
      return actions.length === 2 && actions.every((a) => a === 'deploy');
    }, 'the two deploys only');
    const oldest = await rows.last().innerText();
    assert(/release: 1/.test(oldest) && /gate: PASSED/.test(oldest), `detail as key: value text: ${oldest}`);
    assert(!(await page.content()).includes('value-never-shown-123'), 'no secret value in the audit log');
    await shot('audit.png');
  });

  await step('a viewer reads the plan and releases, but deploys, rolls back or reads the audit log not', async () => {
    const email = 'release-viewer@example.com';
    const password = 'release-viewer-password';
    const made = await gql('mutation($e: String!, $p: String!) { createAdmin(input: { email: $e, password: $p, role: VIEWER }) { id } }',
      { e: email, p: password });
    assert(!made.errors, `createAdmin failed: ${JSON.stringify(made.errors)}`);
    const ctx = await t.browser.newContext({ viewport: { width: 1360, height: 900 } });
    ctx.setDefaultTimeout(t.timeout);
    const viewer = await ctx.newPage();
    viewer.on('pageerror', (err) => t.onPageError(err.message));
    await viewer.goto(`${t.base}/admin/login`);
    await viewer.getByLabel('Email').fill(email);
    await viewer.getByLabel('Password').fill(password);
    await viewer.getByTestId('login-submit').click();
    await viewer.waitForURL((u) => u.pathname === '/admin/');
    assert((await viewer.getByRole('link', { name: 'Audit', exact: true }).count()) === 0, 'no Audit entry for a viewer');
    await viewer.getByRole('link', { name: 'Deploy', exact: true }).click();
    await viewer.getByTestId('deploy-form').getByText('Viewers see the plan').waitFor();
    assert(await viewer.getByTestId('deploy-button').isDisabled(), 'no deploy for a viewer');
    await viewer.getByRole('link', { name: 'Releases', exact: true }).click();
    await viewer.locator('[data-testid="release-row-3"][data-status="ACTIVE"]').waitFor();
    assert((await viewer.getByTestId('release-rollback').count()) === 0, 'no rollback for a viewer');
    await viewer.goto(`${t.base}/admin/settings/environment?env=production`);
    await viewer.getByTestId('env-settings-read-only').waitFor();
    assert((await viewer.getByTestId('secret-form').count()) === 0, 'no secret form for a viewer');
    await viewer.goto(`${t.base}/admin/audit`);
    await viewer.getByTestId('audit-owners-only').waitFor();
    await ctx.close();
  });
}
