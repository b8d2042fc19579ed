// The browser test's history steps: two revisions saved, the History page
// lists them newest first (author, summary), a revision's view shows what it
// changed (down to the field) and its document, and Restore of the older one
// (confirmed) saves its content as a new revision, which the page and the
// workspace then show. Run by browser.test.mjs on the real server; the router
// it saves is deleted at the end.
import { join } from 'node:path';

const PROBE = 'historyProbe';
const probe = (v) => ({
  name: PROBE,
  method: 'GET',
  path: '/history-probe',
  access: { allow: 'public' },
  steps: [{ respond: { status: 200, body: { v } } }],
});

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {string} t.email the owner's email
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function historySteps(t) {
  const { page, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const put = async (v) => (await gql('mutation($d: JSON!) { putRouter(definition: $d) { revision } }', { d: probe(v) })).putRouter.revision;
  const row = (n) => page.getByTestId(`revision-row-${n}`);

  let older = 0;
  let newer = 0;
  try {
    await step('history: two saved revisions are listed newest first, with author and summary', async () => {
      older = await put(1);
      newer = await put(2);
      assert(newer === older + 1, `two revisions: ${older}, ${newer}`);
      await page.getByRole('link', { name: 'History', exact: true }).click();
      await page.waitForURL(/\/admin\/history/);
      await page.locator(`[data-testid="revision-row-${newer}"][data-current="true"]`).waitFor();
      const listed = await page.locator('[data-testid="revisions-table"] tbody tr[data-revision]').evaluateAll((rows) =>
        rows.slice(0, 2).map((r) => Number(r.getAttribute('data-revision'))));
      assert(listed[0] === newer && listed[1] === older, `newest first: ${listed}`);
      const summary = await row(newer).getByTestId('revision-summary').innerText();
      assert(summary === `Changed router ${PROBE}: step 1 (respond) body.v: 1 → 2`, `the newer one's summary: ${summary}`);
      assert((await row(older).getByTestId('revision-summary').innerText()).includes(PROBE), 'the older one names the probe');
      assert((await row(newer).innerText()).includes(t.email), 'the author is shown');
      assert((await row(newer).getByTestId('revision-restore').count()) === 0, 'no restore for the current revision');
    });

    await step('history: a revision opens with its changes, field by field, and its document read-only', async () => {
      await row(newer).getByTestId('revision-open').click();
      const detail = page.getByTestId('revision-detail');
      const change = detail.locator(`[data-testid="definition-change"][data-name="${PROBE}"][data-change="CHANGED"]`);
      await change.waitFor();
      assert((await change.innerText()).includes('step 1 (respond) body.v: 1 → 2'), `the change: ${await change.innerText()}`);
      const doc = detail.locator('#revision-document');
      assert((await doc.getAttribute('readonly')) !== null, 'the document is read-only');
      assert(JSON.parse(await doc.inputValue()).routers.some((r) => r.name === PROBE && r.steps[0].respond.body.v === 2), 'its document');
      await page.screenshot({ path: join(t.shots, 'history-revision.png'), fullPage: true });
      await detail.getByTestId('revision-detail-close').click();
      await eventually(async () => (await page.getByTestId('revision-detail').count()) === 0, 'the view closes');
    });

    await step('history: Restore of the older revision, confirmed, saves its content as the new current revision', async () => {
      await row(older).getByTestId('revision-restore').click(); // the confirm() is accepted
      const restored = newer + 1;
      await page.locator(`[data-testid="revision-row-${restored}"][data-current="true"]`).waitFor();
      await page.locator(`[data-testid="workspace-revision"][data-revision="${restored}"]`).waitFor();
      await page.getByTestId('toast').filter({ hasText: `Revision ${older} restored as revision ${restored}` }).waitFor();
      const summary = await row(restored).getByTestId('revision-summary').innerText();
      assert(summary === `Restored revision ${older}: Changed router ${PROBE}: step 1 (respond) body.v: 2 → 1`, `the restore's summary: ${summary}`);
      const { workspace } = await gql('{ workspace { revision routers { name definition } } }');
      assert(workspace.revision === restored, `the workspace is at ${workspace.revision}`);
      const saved = workspace.routers.find((r) => r.name === PROBE);
      assert(saved?.definition.steps[0].respond.body.v === 1, `the older content: ${JSON.stringify(saved?.definition)}`);
    });
  } finally {
    if (older) await t.gql(page, 'mutation($n: String!) { deleteRouter(name: $n) { revision } }', { n: PROBE });
  }
}
