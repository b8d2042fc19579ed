// The browser test's realtime settings steps: the environment's watch-router
// limits and the change feed's retention are edited with its other limits
// (/settings), saved, kept after a reload and read back through GraphQL; an
// out-of-range value shows the server's message at its field. Run by
// browser.test.mjs on the real server; the values are put back at the end.

const FIELDS = 'limits { maxSubscribers maxSubscribersPerUser maxEventsPerSecond feedRetentionEvents feedRetentionHours }';

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function realtimeSettingsSteps(t) {
  const { page, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const limitsNow = async () => (await gql(`{ environment(slug: "test") { ${FIELDS} } }`)).environment.limits;
  const openForm = async () => {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL(/\/admin\/settings/);
    const form = page.getByTestId('env-settings-test');
    await form.getByLabel('Name', { exact: true }).waitFor();
    return form;
  };
  const perUserOf = (form) => form.getByTestId('limits-realtime').getByLabel('Subscribers per user', { exact: true });
  const hoursOf = (form) => form.getByTestId('limits-feed').getByLabel('Feed retention (hours)', { exact: true });
  const save = async (form) => {
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: /^Saved/ }).last().waitFor();
  };

  const before = await limitsNow();
  const perUser = before.maxSubscribersPerUser === 7 ? 8 : 7;
  const hours = before.feedRetentionHours === 48 ? 72 : 48;
  try {
    await step('realtime settings: subscribers per user and the feed retention are saved and kept after a reload', async () => {
      let form = await openForm();
      const realtime = form.getByTestId('limits-realtime');
      await realtime.getByRole('heading', { name: 'Realtime (watch routers)' }).waitFor();
      assert(/429/.test(await realtime.innerText()), 'the per-user limit says more get 429');
      assert(/503/.test(await realtime.innerText()), 'the limit in all says more get 503');
      assert(/none is dropped/.test(await realtime.innerText()), 'the events per second say none is dropped');
      assert(/resync/.test(await form.getByTestId('limits-feed').innerText()), 'the feed retention says older cursors get resync');
      await eventually(async () => Number(await perUserOf(form).inputValue()) === before.maxSubscribersPerUser,
        `shows ${before.maxSubscribersPerUser} subscribers per user`);
      assert(Number(await hoursOf(form).inputValue()) === before.feedRetentionHours, `shows ${before.feedRetentionHours} hours`);
      assert(Number(await form.getByLabel('Feed retention (events)', { exact: true }).inputValue()) === before.feedRetentionEvents,
        'shows the feed retention in events');
      await perUserOf(form).fill(String(perUser));
      await hoursOf(form).fill(String(hours));
      await save(form);
      const saved = await limitsNow();
      assert(saved.maxSubscribersPerUser === perUser && saved.feedRetentionHours === hours, `saved: ${JSON.stringify(saved)}`);
      assert(saved.maxSubscribers === before.maxSubscribers && saved.maxEventsPerSecond === before.maxEventsPerSecond
        && saved.feedRetentionEvents === before.feedRetentionEvents, `the others are unchanged: ${JSON.stringify(saved)}`);
      await page.reload();
      form = page.getByTestId('env-settings-test');
      await eventually(async () => Number(await perUserOf(form).inputValue()) === perUser, `shows ${perUser} per user after a reload`);
      assert(Number(await hoursOf(form).inputValue()) === hours, `shows ${hours} hours after a reload`);
    });

    await step('realtime settings: an out-of-range value shows the server\'s message at its field; the values are put back', async () => {
      const form = await openForm();
      const field = perUserOf(form);
      await field.fill('10001');
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      const error = form.locator(`#${await field.getAttribute('id')}-error`);
      await eventually(async () => /between 1 and 10000/.test(await error.innerText()), 'the per-user field says 1 to 10000');
      assert((await field.getAttribute('aria-invalid')) === 'true', 'the field is marked invalid');
      assert((await limitsNow()).maxSubscribersPerUser === perUser, 'nothing was saved');
      await field.fill(String(before.maxSubscribersPerUser));
      await hoursOf(form).fill(String(before.feedRetentionHours));
      await save(form);
      await eventually(async () => (await error.count()) === 0, 'the error is gone after a good save');
      const back = await limitsNow();
      assert(JSON.stringify(back) === JSON.stringify(before), `put back: ${JSON.stringify(back)} vs ${JSON.stringify(before)}`);
    });
  } finally {
    // Whatever failed above, the next steps find the limits as they were.
    await t.gql(page, 'mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: "test", input: { limits: $l }) { slug } }', { l: before });
  }
}
