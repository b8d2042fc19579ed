// The browser test's steps for streams (a watch router's): with a public
// `watchPosts` served, Tests shows the events its generated cases expect (in
// the list and in the form, where only a GET offers them) and a resumed
// stream in its coverage; an event added to a written case with the form is
// saved, there after a reload, and passes once refreshed; an event of the
// wrong kind fails with the diff in words. Then a stream opened and closed
// by a client is one request record, marked as a stream in the log, whose
// drawer says how it went. Run by browser.test.mjs on the real server; the
// workspace is put back as it was found (and test refreshed).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const WATCH = { name: 'watchPosts', method: 'GET', path: '/posts/live', access: { allow: 'public' },
  steps: [{ watch: { table: 'posts', where: { published: true } } }] };
const HAPPY = 'watchPosts: happy path';
const RESUMES = 'watchPosts: resumes after an event';
const FORM_CASE = 'watchPosts: an event added with the form';
const WRONG_CASE = 'watchPosts: expects a delete first';
const TITLE = 'Streamed to a written case';

/** A written case: the stream opened, then a published post written while it is open. */
const written = (name, events) => ({
  name,
  router: 'watchPosts',
  actAs: 'anonymous',
  steps: [
    { as: 'watch', method: 'GET', path: '/posts/live', expect: { status: 200, ...(events ? { events } : {}) } },
    { as: 'create', method: 'POST', path: '/posts', actAs: 'signedIn', body: { title: TITLE, body: 'x', published: true }, expect: { status: 201 } },
  ],
});

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
 * @param {number} t.runTimeout
 */
export async function streamCasesSteps(t) {
  const { page, base, serverBase, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  /** Refreshes test and waits for the run it starts to end. */
  const refreshTest = async () => {
    const { refresh } = await gql('mutation { refresh(environment: "test", allowDestructive: true) { revision testRun { id } } }');
    const id = refresh.testRun?.id;
    assert(id, 'the refresh started a test run');
    await eventually(async () => (await gql('query($id: ID!) { testRun(id: $id) { status } }', { id })).testRun.status !== 'RUNNING',
      `test run ${id} ended`, t.runTimeout);
  };
  const servedCase = async (name) => (await gql('{ testCases(environment: "test") { name definition } }')).testCases.find((c) => c.name === name);
  const writtenCase = async (name) => ((await gql('{ workspace { document } }')).workspace.document.tests ?? []).find((c) => c.name === name);
  const openTests = async () => {
    await page.goto(`${base}/admin/tests?env=test`);
    await page.getByTestId('case-groups').waitFor();
  };
  const row = (name) => page.getByTestId(`case-${name}`);
  const editor = page.getByTestId('case-editor');
  const card = (i) => editor.locator(`[data-testid="case-step-card"][data-index="${i}"]`);
  const closeEditor = async () => {
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => (await editor.count()) === 0, 'the editor closes');
  };

  const found = (await gql('{ workspace { document } }')).workspace.document;
  try {
    await step('stream cases: Tests lists the events a generated watch case expects, and its resumed stream as covered', async () => {
      const doc = JSON.parse(readFileSync(t.blogPath, 'utf8'));
      doc.routers.push(WATCH);
      doc.tests = [written(FORM_CASE), written(WRONG_CASE, [{ event: 'delete' }])];
      await gql('mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: doc });
      await refreshTest();
      const served = await servedCase(HAPPY);
      const expected = served?.definition.steps[0].expect.events ?? [];
      assert(expected.length >= 2 && expected[0].event === 'insert', `the generated happy path expects events: ${JSON.stringify(served)}`);

      await openTests();
      const group = page.getByTestId('router-cases-watchPosts');
      await group.locator('[data-testid="coverage-ran"][data-kind="RESUME"]').waitFor({ timeout: t.runTimeout });
      const resumed = (await group.locator('[data-testid="coverage-ran"][data-kind="RESUME"]').innerText()).trim();
      assert(resumed === 'resumed stream 1/1', `the resumed stream in the coverage: ${resumed}`);
      await row(HAPPY).getByTestId('case-toggle').click();
      const events = row(HAPPY).locator('[data-testid="case-step-0"] [data-testid="case-expect-event"]');
      await events.first().waitFor();
      const shown = await events.evaluateAll((els) => els.map((e) => e.dataset.event));
      assert(JSON.stringify(shown) === JSON.stringify(expected.map((e) => e.event)), `the events listed: ${shown} (served: ${JSON.stringify(expected)})`);
      const first = await events.first().innerText();
      assert(first.includes('insert') && first.includes('"id":"${steps.create.body.id}"'), `the first event with its data: ${first}`);
      assert((await row(HAPPY).locator('[data-testid="case-step-1"] [data-testid="case-expect-events"]').count()) === 0, 'the POST expects no events');
      // The resumed stream: its second GET names the first stream's cursor and expects the rest.
      await row(RESUMES).getByTestId('case-toggle').click();
      const steps = row(RESUMES).getByTestId('case-steps').locator(':scope > li');
      const last = steps.last();
      assert((await last.locator('code.path').innerText()).includes('after=${steps.watch.events[0].id}'), `the cursor: ${await last.innerText()}`);
      const rest = await last.locator('[data-testid="case-expect-event"]').count();
      const all = await steps.first().locator('[data-testid="case-expect-event"]').count();
      assert(rest === all - 1, `the resumed stream expects the rest: ${rest} of ${all}`);
      await shot('tests-stream-case.png');
    });

    await step('stream cases: the form shows a generated case\'s events; only a GET offers to expect events', async () => {
      await row(HAPPY).getByTestId('case-edit').click();
      await editor.getByTestId('case-form').waitFor();
      const section = card(0).getByTestId('case-step-events');
      await section.waitFor();
      const served = (await servedCase(HAPPY)).definition.steps[0].expect.events;
      assert(Number(await section.getAttribute('data-count')) === served.length, `${served.length} events in the form`);
      const names = await card(0).getByTestId('case-step-event-name').evaluateAll((els) => els.map((e) => e.value));
      assert(JSON.stringify(names) === JSON.stringify(served.map((e) => e.event)), `the events' kinds: ${names}`);
      assert(JSON.parse(await card(0).locator('#cs-0-event-0-data').inputValue()).id === '${steps.create.body.id}', 'the first event\'s data');
      assert((await section.innerText()).includes('Checked when the last step has run, waiting up to 5 s'), 'the form says what events mean');
      assert((await card(1).getByTestId('case-step-method').inputValue()) === 'POST', 'the second request is the POST');
      assert((await card(1).getByTestId('case-step-add-events').count()) === 0 && (await card(1).getByTestId('case-step-events').count()) === 0,
        'a POST offers no events');
      // A GET turned into a POST keeps its events only to say they cannot stay.
      await card(0).getByTestId('case-step-method').selectOption('POST');
      await card(0).getByTestId('case-step-events-method').waitFor();
      await closeEditor();
    });

    await step('stream cases: an event added to a written case with the form is saved, still there after a reload, and passes', async () => {
      await page.reload();
      await page.getByTestId('case-groups').waitFor();
      await row(FORM_CASE).getByTestId('case-edit').click();
      await editor.getByTestId('case-form').waitFor();
      assert((await card(0).getByTestId('case-step-events').count()) === 0, 'no events yet');
      await card(0).getByTestId('case-step-add-events').click();
      await card(0).getByTestId('case-step-event').first().waitFor();
      assert((await card(0).getByTestId('case-step-event-name').first().inputValue()) === 'insert', 'a new event is an insert');
      await card(0).locator('#cs-0-event-0-data').fill(`{"title": "${TITLE}", "published": `);
      await card(0).getByTestId('case-step-event-data').locator('[data-testid="json-field-error"]').waitFor();
      assert(await editor.getByTestId('case-save').isDisabled(), 'Save is blocked while the data does not parse');
      await card(0).locator('#cs-0-event-0-data').fill(`{"title": "${TITLE}", "published": true}`);
      await eventually(async () => !(await editor.getByTestId('case-save').isDisabled()), 'Save is enabled again');
      // Capture hints and references name the stream's cursor.
      assert((await card(0).innerText()).includes('${steps.watch.events[0].id}'), 'the capture hint names the cursor');
      await shot('case-form-events.png');
      await editor.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: `Test case “${FORM_CASE}” stored` }).waitFor();
      const saved = await writtenCase(FORM_CASE);
      assert(JSON.stringify(saved?.steps[0].expect.events) === JSON.stringify([{ event: 'insert', data: { title: TITLE, published: true } }]),
        `saved with its event: ${JSON.stringify(saved?.steps[0].expect)}`);
      assert(saved.steps[1].expect.events === undefined, 'the POST has none');

      await page.reload();
      await page.getByTestId('tests-pending').getByRole('button', { name: FORM_CASE }).click();
      await editor.getByTestId('case-form').waitFor();
      await card(0).getByTestId('case-step-event').first().waitFor();
      assert((await card(0).getByTestId('case-step-event').count()) === 1, 'one event after the reload');
      assert((await card(0).getByTestId('case-step-event-name').inputValue()) === 'insert', 'still an insert');
      assert(JSON.parse(await card(0).locator('#cs-0-event-0-data').inputValue()).title === TITLE, 'with its data');
      // Loaded and saved again untouched, the definition is the same.
      await editor.getByTestId('case-save').click();
      await page.getByTestId('toast').filter({ hasText: `Test case “${FORM_CASE}” stored` }).waitFor();
      assert(JSON.stringify(await writtenCase(FORM_CASE)) === JSON.stringify(saved), 'saved again untouched, nothing changed');

      await refreshTest();
      await openTests();
      await page.locator(`[data-testid="case-${FORM_CASE}"][data-status="PASSED"]`).waitFor({ timeout: t.runTimeout });
    });

    await step('stream cases: an event of the wrong kind fails, the diff saying which event and what it was', async () => {
      const failed = page.locator(`[data-testid="case-${WRONG_CASE}"][data-status="FAILED"]`);
      await failed.waitFor({ timeout: t.runTimeout });
      const failure = failed.locator('[data-testid="failure"][data-what="events/0/event"]');
      await failure.waitFor();
      assert((await failure.getByTestId('failure-gloss').innerText()).includes('event 1 is another kind'), 'says which event');
      assert((await failure.getByTestId('failure-expected').innerText()).trim() === 'delete', 'expected a delete (as text)');
      assert((await failure.getByTestId('failure-actual').innerText()).trim() === 'insert', 'got an insert');
      await shot('tests-stream-failure.png');
    });

    await step('stream logs: a stream closed by its client is one record, marked as a stream, whose drawer says how it went', async () => {
      const since = new Date().toISOString();
      const signup = await fetch(`${serverBase}/env/test/auth/signup`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `stream-logs-${Date.now()}@example.com`, password: 'stream-logs-password-1' }),
      });
      const { token } = await signup.json();
      assert(signup.status === 201 && token, `signup answered ${signup.status}`);
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 15_000);
      try {
        const res = await fetch(`${serverBase}/env/test/posts/live`, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
        assert(res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream'), `the stream opened: ${res.status}`);
        const made = await fetch(`${serverBase}/env/test/posts`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: 'Seen by a stream', body: 'x', published: true }),
        });
        assert(made.status === 201, `the post: ${made.status}`);
        // Read until the insert arrived (the timer aborts a stream that says nothing), then close it.
        const reader = res.body.getReader();
        let text = '';
        while (!/event: ?insert[\s\S]*\n\n/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        assert(/event: ?insert/.test(text), `the insert arrived: ${text}`);
      } finally {
        clearTimeout(timer);
        ac.abort();
      }

      let record = null;
      await eventually(async () => {
        const { requestLogs } = await gql(`query($since: DateTime) { requestLogs(environment: "test", first: 20, filter: { pathContains: "/posts/live", since: $since }) {
          nodes { id path durationMs stream { events closedBy } } } }`, { since });
        record = requestLogs.nodes.find((n) => n.stream);
        return !!record;
      }, 'the stream is logged once it closed');
      assert(record.stream.events === 1 && record.stream.closedBy === 'CLIENT', `one event, closed by the client: ${JSON.stringify(record)}`);

      await page.goto(`${base}/admin/api?env=test`);
      const logRow = page.getByTestId(`log-row-${record.id}`);
      await logRow.waitFor();
      assert((await logRow.getAttribute('data-stream')) === '1', 'the row is marked as a stream');
      assert((await logRow.getByTestId('log-row-stream').innerText()).trim() === 'stream · 1 event', `the marker: ${await logRow.innerText()}`);
      await logRow.click();
      const line = page.getByTestId('log-drawer').getByTestId('log-stream');
      await line.waitFor();
      const said = (await line.innerText()).trim();
      assert(/^1 event, open for .+, closed by the client$/.test(said), `the drawer says how it went: ${said}`);
      assert((await line.getAttribute('data-closed-by')) === 'CLIENT', 'closed by the client');
      await shot('log-stream.png');
      await page.getByTestId('log-drawer-close').click();
    });
  } finally {
    await t.gql(page, 'mutation($d: JSON!) { importWorkspace(document: $d) { revision } }', { d: found });
    await t.gql(page, 'mutation { refresh(environment: "test", allowDestructive: true, runTests: false) { revision } }');
  }
}
