// The browser test's file steps: in the test environment, a folder is created,
// two files are uploaded into it (and one over the size limit is refused before
// any byte is sent), previewed, downloaded, renamed and read by a viewer, then
// the folder is deleted after a confirmation that counts its files; production
// says file management is off. Run by browser.test.mjs; the steps set up what
// they need themselves.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FOLDER = 'browser-test';
// A 1×1 PNG, and a text file with a line a preview must show as it is.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const TEXT = 'Notes of the browser test\nname,role\nAda,owner\n';
const RENAMED = `${FOLDER}/renamed notes.txt`;

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {import('playwright-core').Browser} t.browser
 * @param {string} t.base where the SPA is served
 * @param {string} t.serverBase the server itself (data plane)
 * @param {boolean} t.workspace the test environment serves examples/blog.json (not on the mock)
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 * @param {number} t.timeout
 * @param {(err: string) => void} t.onPageError
 */
export async function filesSteps(t) {
  const { page, step, eventually, assert } = t;
  const gql = (query, variables) => t.gql(page, query, variables);
  const shot = (name) => page.screenshot({ path: join(t.shots, name), fullPage: true });
  const fileRow = (path) => page.locator(`[data-testid="file-row"][data-path="${path}"]`);
  const folderRow = (path) => page.locator(`[data-testid="folder-row"][data-path="${path}"]`);
  const listing = async (folder) => {
    const res = await gql(
      'query($f: String) { files(environment: "test", folder: $f, first: 100) { folders files { edges { node { path size contentType } } } } }',
      { f: folder },
    );
    assert(!res.errors, `files(test, ${JSON.stringify(folder)}) failed: ${JSON.stringify(res.errors)}`);
    return res.data.files;
  };
  const closePreview = async () => {
    await page.getByTestId('file-preview-dialog').getByRole('button', { name: 'Close', exact: true }).last().click();
    await eventually(async () => (await page.getByTestId('file-preview-dialog').count()) === 0, 'the preview closes');
  };

  await step('settings: the file limits are edited with the others; a quota of 0 means none', async () => {
    const before = (await gql('{ environment(slug: "test") { limits { maxFileBytes fileQuotaBytes } } }')).data.environment.limits;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL(/\/admin\/settings/);
    const form = page.getByTestId('env-settings-test');
    // The form shows MiB; the server keeps bytes.
    const max = form.getByLabel('Max file size (MiB)');
    const quota = form.getByLabel('File quota (MiB)');
    const mib = (bytes) => Math.round((bytes / 1048576) * 1000) / 1000;
    await eventually(async () => Number(await max.inputValue()) === mib(before.maxFileBytes), 'the max file size is shown');
    assert(Number(await quota.inputValue()) === mib(before.fileQuotaBytes), 'the quota is shown');
    await max.fill('0');
    await quota.fill('-1');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByText('0 or more').waitFor();
    await form.getByText('greater than 0').waitFor();
    await max.fill('2');
    await quota.fill('0');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('toast').filter({ hasText: /^Saved/ }).waitFor();
    const saved = (await gql('{ environment(slug: "test") { limits { maxFileBytes fileQuotaBytes } } }')).data.environment.limits;
    assert(saved.maxFileBytes === 2097152 && saved.fileQuotaBytes === 0, `saved: ${JSON.stringify(saved)}`);
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    const card = page.getByTestId('env-card-test');
    assert((await card.getByTestId('limit-maxFileBytes').innerText()).includes('2 MiB'), 'the card shows 2 MiB');
    assert((await card.getByTestId('limit-fileQuotaBytes').innerText()).includes('no quota'), 'the card says no quota');
    const restored = await gql('mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: "test", input: { limits: $l }) { slug } }', { l: before });
    assert(!restored.errors, `restoring the limits failed: ${JSON.stringify(restored.errors)}`);
  });

  await step('files: a new folder is created in test and opened; the folder stays in the URL over a reload', async () => {
    await page.getByRole('link', { name: 'Files', exact: true }).click();
    await page.waitForURL(/\/admin\/files/);
    await page.getByTestId('env-switcher').selectOption('test');
    await page.getByTestId('files-page').waitFor();
    const name = (await gql('{ environment(slug: "test") { name } }')).data.environment.name;
    const crumbs = page.getByTestId('files-breadcrumbs');
    assert((await crumbs.locator('[aria-current="page"]').innerText()).trim() === name, `the root is named after the environment (${name})`);
    await page.getByTestId('new-folder').click();
    const input = page.getByTestId('new-folder-name');
    await input.fill('a/b');
    await page.getByTestId('new-folder-create').click();
    assert(/may not hold “\/”/.test(await page.getByTestId('new-folder-problem').innerText()), 'a name with "/" is refused');
    await input.fill('..');
    await page.getByTestId('new-folder-create').click();
    assert(/“\.\.”/.test(await page.getByTestId('new-folder-problem').innerText()), '".." is refused');
    await input.fill(FOLDER);
    await page.getByTestId('new-folder-create').click();
    await page.getByTestId('toast').filter({ hasText: `Folder ${FOLDER} created` }).waitFor();
    await folderRow(FOLDER).waitFor();
    assert((await listing('')).folders.includes(FOLDER), 'the server lists the folder at the root');
    await folderRow(FOLDER).getByTestId('folder-open').click();
    await page.waitForURL(new RegExp(`folder=${FOLDER}`));
    await page.locator(`[data-testid="files-breadcrumbs"][data-folder="${FOLDER}"]`).waitFor();
    await page.getByTestId('files-empty').waitFor();
    await page.reload();
    await page.locator(`[data-testid="files-listing"][data-folder="${FOLDER}"]`).waitFor();
    await crumbs.locator('[aria-current="page"]', { hasText: FOLDER }).waitFor();
  });

  await step('files: two files uploaded into the folder, each with its progress to done, are listed with their sizes', async () => {
    await page.getByTestId('upload-input').setInputFiles([
      { name: 'pixel.png', mimeType: 'image/png', buffer: PNG },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(TEXT) },
    ]);
    for (const name of ['pixel.png', 'notes.txt']) {
      const item = page.locator(`[data-testid="upload-item"][data-path="${FOLDER}/${name}"]`);
      await item.waitFor();
      await page.locator(`[data-testid="upload-item"][data-path="${FOLDER}/${name}"][data-status="done"]`).waitFor().catch(async () => {
        throw new Error(`upload of ${name} ended ${await item.getAttribute('data-status')}: ${await item.innerText()}`);
      });
      assert(await item.locator('progress').evaluate((p) => p.value === p.max), `the progress bar of ${name} is full`);
    }
    const png = fileRow(`${FOLDER}/pixel.png`);
    const txt = fileRow(`${FOLDER}/notes.txt`);
    await png.waitFor(); // the listing is asked again once the uploads end
    await txt.waitFor();
    assert((await png.getByTestId('file-size').innerText()).trim() === `${PNG.length} B`, `pixel.png is ${PNG.length} B`);
    assert((await txt.getByTestId('file-size').innerText()).trim() === `${Buffer.byteLength(TEXT)} B`, 'notes.txt shows its size');
    assert((await png.getByTestId('file-type').innerText()).trim() === 'image/png', 'pixel.png is an image/png');
    const stored = (await listing(FOLDER)).files.edges.map((e) => e.node);
    const sizes = Object.fromEntries(stored.map((f) => [f.path, f.size]));
    assert(sizes[`${FOLDER}/pixel.png`] === PNG.length && sizes[`${FOLDER}/notes.txt`] === Buffer.byteLength(TEXT),
      `the server stored both with their sizes: ${JSON.stringify(sizes)}`);
    const usage = page.getByTestId('files-usage');
    assert(Number(await usage.getAttribute('data-used')) >= PNG.length + Buffer.byteLength(TEXT), 'the usage counts them');
    await shot('files.png');
  });

  await step('files: a file over the max file size is refused before it is sent; one past the quota fails with the server\'s reason', async () => {
    const env = (await gql('{ environment(slug: "test") { limits { maxFileBytes fileQuotaBytes } } files(environment: "test") { usedBytes } }')).data;
    const before = env.environment.limits;
    const quota = env.files.usedBytes + 10;
    const set = (limits) => gql('mutation($l: EnvironmentLimitsInput!) { updateEnvironment(slug: "test", input: { limits: $l }) { slug } }', { l: limits });
    const lowered = await set({ maxFileBytes: 1024, fileQuotaBytes: quota });
    assert(!lowered.errors, `lowering the limits failed: ${JSON.stringify(lowered.errors)}`);
    try {
      await page.reload();
      const usage = page.locator(`[data-testid="files-usage"][data-max-file="1024"][data-quota="${quota}"]`);
      await usage.waitFor();
      const said = await usage.innerText();
      assert(said.includes('files up to 1 KiB each') && / of .+ used \(\d+ %\)/.test(said), `the limits are shown: ${said}`);
      const puts = [];
      const record = (req) => req.method() === 'PUT' && puts.push(decodeURIComponent(new URL(req.url()).pathname));
      page.on('request', record);
      await page.getByTestId('upload-input').setInputFiles([
        { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1500, 7) },
        { name: 'over.txt', mimeType: 'text/plain', buffer: Buffer.alloc(50, 'x') },
      ]);
      const big = page.locator(`[data-testid="upload-item"][data-path="${FOLDER}/big.bin"][data-status="refused"]`);
      await big.waitFor();
      const message = await big.getByTestId('upload-message').innerText();
      assert(/1\.46 KiB is over the 1 KiB a file may be in test/.test(message), `says why: ${message}`);
      const over = page.locator(`[data-testid="upload-item"][data-path="${FOLDER}/over.txt"][data-status="error"]`);
      await over.waitFor();
      const reason = await over.getByTestId('upload-message').innerText();
      assert(/quota/i.test(reason), `the server's reason is shown: ${reason}`);
      page.off('request', record);
      assert(JSON.stringify(puts) === JSON.stringify([`/admin/files/test/${FOLDER}/over.txt`]), `only over.txt was sent: ${puts.join(', ')}`);
      for (const name of ['big.bin', 'over.txt']) assert((await fileRow(`${FOLDER}/${name}`).count()) === 0, `${name} is not listed`);
    } finally {
      const restored = await set(before);
      assert(!restored.errors, `restoring the limits failed: ${JSON.stringify(restored.errors)}`);
    }
    await page.reload();
    await page.locator(`[data-testid="files-usage"][data-max-file="${before.maxFileBytes}"][data-quota="${before.fileQuotaBytes}"]`).waitFor();
  });

  await step('files: the text preview shows the file\'s content, the image preview shows the picture', async () => {
    await fileRow(`${FOLDER}/notes.txt`).getByTestId('file-preview').click();
    const text = page.getByTestId('file-preview-dialog').getByTestId('file-preview-text');
    await text.waitFor();
    assert((await text.textContent()) === TEXT, `the preview shows the text: ${JSON.stringify(await text.textContent())}`);
    await closePreview();
    await fileRow(`${FOLDER}/pixel.png`).getByTestId('file-preview').click();
    const img = page.getByTestId('file-preview-dialog').getByTestId('file-preview-image');
    await img.waitFor();
    await eventually(async () => img.evaluate((el) => el.complete && el.naturalWidth === 1 && el.naturalHeight === 1),
      'the 1×1 image is loaded and decoded');
    await shot('files-preview.png');
    await closePreview();
  });

  await step('files: Download gives back the uploaded bytes under the file\'s name', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      fileRow(`${FOLDER}/pixel.png`).getByTestId('file-download').click(),
    ]);
    assert(download.suggestedFilename() === 'pixel.png', `saved as ${download.suggestedFilename()}`);
    const chunks = [];
    for await (const c of await download.createReadStream()) chunks.push(c);
    const got = Buffer.concat(chunks);
    assert(got.equals(PNG), `the downloaded bytes are the uploaded ones (${got.length} of ${PNG.length} bytes)`);
  });

  await step('files: a file renamed to a name with a space is listed, and previews, under its new name only', async () => {
    const row = fileRow(`${FOLDER}/notes.txt`);
    await row.getByTestId('file-rename').click();
    const form = page.getByTestId('file-rename-form');
    const input = form.getByTestId('file-rename-input');
    assert((await input.inputValue()) === `${FOLDER}/notes.txt`, 'the form starts from the full path');
    await input.fill('../notes.txt');
    await form.getByTestId('file-rename-save').click();
    await form.getByTestId('file-rename-problem').waitFor();
    await input.fill(RENAMED);
    await form.getByTestId('file-rename-save').click();
    await page.getByTestId('toast').filter({ hasText: `moved to ${RENAMED}` }).waitFor();
    await fileRow(RENAMED).waitFor();
    assert((await fileRow(RENAMED).getByTestId('file-name').innerText()).trim() === 'renamed notes.txt', 'the new name is shown');
    assert((await fileRow(`${FOLDER}/notes.txt`).count()) === 0, 'the old name is gone');
    const paths = (await listing(FOLDER)).files.edges.map((e) => e.node.path).sort();
    assert(JSON.stringify(paths) === JSON.stringify([`${FOLDER}/pixel.png`, RENAMED].sort()), `the server moved it: ${paths.join(', ')}`);
    await fileRow(RENAMED).getByTestId('file-preview').click();
    const text = page.getByTestId('file-preview-dialog').getByTestId('file-preview-text');
    await text.waitFor();
    assert((await text.textContent()) === TEXT, 'the renamed file serves its content');
    await closePreview();
  });

  await step('files: a viewer lists, previews and downloads, but uploads, renames or deletes not', async () => {
    const email = 'files-viewer@example.com';
    const password = 'files-viewer-password';
    const made = await gql('mutation($e: String!, $p: String!) { createAdmin(input: { email: $e, password: $p, role: VIEWER }) { id } }',
      { e: email, p: password });
    assert(!made.errors, `createAdmin failed: ${JSON.stringify(made.errors)}`);
    const ctx = await t.browser.newContext({ viewport: { width: 1360, height: 900 } });
    ctx.setDefaultTimeout(t.timeout);
    try {
      const viewer = await ctx.newPage();
      viewer.on('pageerror', (err) => t.onPageError(err.message));
      await viewer.goto(`${t.base}/admin/login`);
      await viewer.getByLabel('Email').fill(email);
      await viewer.getByLabel('Password').fill(password);
      await viewer.getByTestId('login-submit').click();
      await viewer.waitForURL((u) => u.pathname === '/admin/');
      await viewer.goto(`${t.base}/admin/files?env=test&folder=${FOLDER}`);
      const row = viewer.locator(`[data-testid="file-row"][data-path="${RENAMED}"]`);
      await row.waitFor();
      await row.getByTestId('file-download').waitFor();
      for (const id of ['new-folder', 'upload-input', 'upload-folder-input', 'file-rename', 'file-delete']) {
        assert((await viewer.getByTestId(id).count()) === 0, `no ${id} for a viewer`);
      }
      const put = await viewer.evaluate(async (url) => {
        const res = await fetch(url, { method: 'PUT', headers: { 'x-serverkit-csrf': '1', 'content-type': 'text/plain' }, body: 'x' });
        return res.status;
      }, `/admin/files/test/${FOLDER}/viewer.txt`);
      assert(put === 403, `a viewer's PUT is refused with 403: ${put}`);
    } finally {
      await ctx.close();
    }
  });

  await step('files: deleting the folder asks first, counting its 2 files, then it is gone', async () => {
    const before = await fileRow(`${FOLDER}/pixel.png`).getByTestId('file-download').getAttribute('href');
    await page.getByTestId('files-breadcrumbs').locator('[data-testid="crumb"][data-path=""]').click();
    await page.locator('[data-testid="files-listing"][data-folder=""]').waitFor();
    const asked = new Promise((resolve) => page.once('dialog', (d) => resolve(d.message()))); // accepted by the test's handler
    await folderRow(FOLDER).getByTestId('folder-delete').click();
    const message = await asked;
    assert(message.includes(`${FOLDER} and its 2 files`), `the confirmation counts the files: ${message}`);
    await page.getByTestId('toast').filter({ hasText: `${FOLDER} deleted with 2 files` }).waitFor();
    await eventually(async () => (await folderRow(FOLDER).count()) === 0, 'the folder is gone from the listing');
    assert(!(await listing('')).folders.includes(FOLDER), 'the server no longer lists it');
    const status = await page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, before);
    assert(status === 404, `its files are gone too: GET ${before} answered ${status}`);
  });

  await step('files: a folder dropped on the listing uploads every file under its relative path', async () => {
    await page.locator('[data-testid="files-listing"][data-folder=""]').waitFor();
    // A drop made by script carries no entries: this one stands in for the browser's
    // FileSystemEntry objects, a folder read in two batches as readEntries hands them out.
    await page.evaluate(() => {
      const file = (name, text) => ({ isFile: true, isDirectory: false, name, file: (ok) => ok(new File([text], name, { type: 'text/plain' })) });
      const dir = (name, batches) => ({
        isFile: false, isDirectory: true, name,
        createReader: () => { const left = [...batches]; return { readEntries: (ok) => setTimeout(() => ok(left.shift() ?? [])) }; },
      });
      const album = dir('album', [[file('one.txt', 'one')], [dir('sub', [[file('two.txt', 'second')]])]]);
      const loose = new File(['loose'], 'loose.txt', { type: 'text/plain' });
      const items = [
        { kind: 'file', webkitGetAsEntry: () => album, getAsFile: () => null },
        { kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => loose },
      ];
      const zone = document.querySelector('[data-testid="files-drop"]');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        const ev = new DragEvent(type, { bubbles: true, cancelable: true });
        Object.defineProperty(ev, 'dataTransfer', { value: { types: ['Files'], items, dropEffect: 'none' } });
        zone.dispatchEvent(ev);
      }
    });
    for (const path of ['album/one.txt', 'album/sub/two.txt', 'loose.txt']) {
      await page.locator(`[data-testid="upload-item"][data-path="${path}"][data-status="done"]`).waitFor();
    }
    await folderRow('album').waitFor();
    await fileRow('loose.txt').waitFor();
    assert(JSON.stringify((await listing('album/sub')).files.edges.map((e) => e.node.path)) === '["album/sub/two.txt"]',
      'the nested file kept its folders');
    const cleaned = await gql('mutation { a: deleteFolder(environment: "test", path: "album") b: deleteFile(environment: "test", path: "loose.txt") }');
    assert(!cleaned.errors && cleaned.data.a === 2 && cleaned.data.b === true, `cleaned up: ${JSON.stringify(cleaned)}`);
  });

  await step('files: Upload folder sends every file of the picked folder under its relative path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serverkit-upload-'));
    try {
      mkdirSync(join(dir, 'trip', 'day1'), { recursive: true });
      writeFileSync(join(dir, 'trip', 'plan.txt'), 'plan');
      writeFileSync(join(dir, 'trip', 'day1', 'photo.png'), PNG);
      await page.getByTestId('upload-folder-input').setInputFiles(join(dir, 'trip'));
      for (const path of ['trip/plan.txt', 'trip/day1/photo.png']) {
        await page.locator(`[data-testid="upload-item"][data-path="${path}"][data-status="done"]`).waitFor();
      }
      await folderRow('trip').waitFor();
      const nested = (await listing('trip/day1')).files.edges.map((e) => e.node);
      assert(nested.length === 1 && nested[0].path === 'trip/day1/photo.png' && nested[0].size === PNG.length,
        `the nested file kept its folders: ${JSON.stringify(nested)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const cleaned = await gql('mutation { deleteFolder(environment: "test", path: "trip") }');
    assert(cleaned.data?.deleteFolder === 2, `cleaned up: ${JSON.stringify(cleaned)}`);
  });

  await step('files: a folder of 105 files lists the first 100, and Load more the rest', async () => {
    const made = await page.evaluate(async () => {
      const names = Array.from({ length: 105 }, (_, i) => `paging/f-${String(i).padStart(3, '0')}.txt`);
      const statuses = [];
      for (let i = 0; i < names.length; i += 15) {
        statuses.push(...(await Promise.all(names.slice(i, i + 15).map(async (n) =>
          (await fetch(`/admin/files/test/${n}`, { method: 'PUT', headers: { 'x-serverkit-csrf': '1', 'content-type': 'text/plain' }, body: n })).status))));
      }
      return statuses;
    });
    assert(made.length === 105 && made.every((s) => s === 201), `105 files stored: ${[...new Set(made)].join(', ')}`);
    await page.goto(`${t.base}/admin/files?env=test&folder=paging`);
    await page.locator('[data-testid="files-listing"][data-folder="paging"][data-files="100"]').waitFor();
    await fileRow('paging/f-099.txt').waitFor();
    assert((await fileRow('paging/f-100.txt').count()) === 0, 'the 101st file is on the next page');
    await page.getByTestId('files-more').click();
    await page.locator('[data-testid="files-listing"][data-files="105"]').waitFor();
    await fileRow('paging/f-104.txt').waitFor();
    await eventually(async () => (await page.getByTestId('files-more').count()) === 0, 'no more pages');
    const cleaned = await gql('mutation { deleteFolder(environment: "test", path: "paging") }');
    assert(cleaned.data?.deleteFolder === 105, `cleaned up: ${JSON.stringify(cleaned)}`);
    await page.getByTestId('files-breadcrumbs').locator('[data-testid="crumb"][data-path=""]').click();
    await page.locator('[data-testid="files-listing"][data-folder=""]').waitFor();
  });

  if (t.workspace) {
    // A post made through the environment's API by an end user, its cover sent as a multipart file part.
    const signup = async (email) => {
      const res = await fetch(`${t.serverBase}/env/test/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'cover-author-password' }),
      });
      const { token } = await res.json();
      assert(res.status === 201 && token, `signup of ${email}: ${res.status}`);
      return token;
    };
    const createPost = async (token, title, published) => {
      const form = new FormData();
      form.set('title', title);
      form.set('published', String(published));
      form.set('cover', new Blob([PNG], { type: 'image/png' }), 'cover.png');
      const res = await fetch(`${t.serverBase}/env/test/posts`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      const post = await res.json();
      assert(res.status === 201 && post.cover?.name === 'cover.png' && post.published === published,
        `create a post (published: ${published}) with a cover: ${res.status} ${JSON.stringify(post)}`);
      assert(/^tables\/posts\/[^/]+\/cover\//.test(post.cover.key ?? ''), `the cover's key is under tables/posts/: ${post.cover.key}`);
      return post;
    };
    const adminUrl = (key) => `/admin/files/test/${key.split('/').map(encodeURIComponent).join('/')}`;
    const fetchStatus = (url) => page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, url);
    const rowsOfPosts = async () => {
      await page.getByRole('link', { name: 'Database', exact: true }).click();
      await page.getByTestId('tab-rows').click();
      await page.getByTestId('rows-table').selectOption('posts');
    };
    let token; // the end user's, signed up in the first step
    let draft; // the unpublished post, for the tables/ folder's steps

    await step('database rows: a post\'s cover (a file column) shows its name, size and thumbnail, read-only, with a download link', async () => {
      token = await signup('cover-author@example.com');
      const post = await createPost(token, 'With a cover', true);
      await rowsOfPosts();
      const row = page.getByTestId(`row-${post.id}`);
      const cell = row.locator('td[data-column="cover"]').getByTestId('file-cell');
      await cell.waitFor();
      const text = await cell.innerText();
      assert(text.includes('cover.png') && text.includes(`${PNG.length} B`), `the cell shows name and size: ${text}`);
      const href = await cell.getByRole('link', { name: 'cover.png' }).getAttribute('href');
      assert(href === adminUrl(post.cover.key), `the name links to the admin's copy of the file: ${href}`);
      const bytes = await page.evaluate(async (u) => [...new Uint8Array(await (await fetch(u)).arrayBuffer())], href);
      assert(Buffer.from(bytes).equals(PNG), `the link serves the cover's bytes (${bytes.length} of ${PNG.length})`);
      const thumb = cell.getByTestId('file-cell-thumb');
      await eventually(async () => thumb.evaluate((el) => el.complete && el.naturalWidth === 1), 'the thumbnail is loaded');
      await shot('rows-file-cell.png');
      await row.getByTestId('row-edit').click();
      const editing = page.getByTestId(`row-edit-${post.id}`);
      await editing.getByTestId('file-cell').waitFor();
      assert((await editing.getByLabel('cover (file)').count()) === 0, 'the cover is not edited in place');
      await editing.getByRole('button', { name: 'Cancel' }).click();
    });

    await step('database rows: an unpublished post\'s cover, hidden from the public, shows its thumbnail to the admin', async () => {
      draft = await createPost(token, 'A draft with a cover', false);
      // The end user's URL follows getPost, which hides drafts from all but their author: not the admin's way in.
      const asPublic = await fetchStatus(draft.cover.url);
      assert(asPublic === 404, `the cell's own url is refused to the admin (else this step proves nothing): GET ${draft.cover.url} → ${asPublic}`);
      await rowsOfPosts();
      const cell = page.getByTestId(`row-${draft.id}`).locator('td[data-column="cover"]').getByTestId('file-cell');
      await cell.waitFor();
      const thumb = cell.getByTestId('file-cell-thumb');
      const src = await thumb.getAttribute('src');
      await eventually(async () => thumb.evaluate((el) => el.complete && el.naturalWidth > 0), `the draft's thumbnail loads (${src})`);
      assert(src?.startsWith(adminUrl(draft.cover.key)), `the thumbnail comes from the admin's file endpoint: ${src}`);
      const href = await cell.getByRole('link', { name: 'cover.png' }).getAttribute('href');
      assert((await fetchStatus(href)) === 200, `the draft's download link answers 200: ${href}`);
    });

    await step('files: in tables/… folders there is no upload, new folder, drop, rename or delete; a line says why; preview and download stay', async () => {
      const folder = draft.cover.key.slice(0, draft.cover.key.lastIndexOf('/'));
      const controls = ['new-folder', 'upload-input', 'upload-folder-input', 'file-rename', 'file-delete', 'folder-delete'];
      const present = async () => {
        const found = [];
        for (const id of controls) if ((await page.getByTestId(id).count()) > 0) found.push(id);
        return found;
      };
      // At the root the owner has them (so their absence below means something) and no such line.
      await page.getByRole('link', { name: 'Files', exact: true }).click();
      await page.locator('[data-testid="files-listing"][data-folder=""]').waitFor();
      await page.getByTestId('new-folder').waitFor();
      assert((await page.getByTestId('files-readonly').count()) === 0, 'the root has no read-only line');
      for (const path of ['tables', 'tables/posts', `tables/posts/${draft.id}`, folder]) {
        await page.goto(`${t.base}/admin/files?env=test&folder=${encodeURIComponent(path)}`);
        await page.locator(`[data-testid="files-listing"][data-folder="${path}"]`).waitFor();
        await page.locator('[data-testid="folder-row"], [data-testid="file-row"]').first().waitFor();
        const line = page.getByTestId('files-readonly');
        await line.waitFor();
        const said = (await line.innerText()).trim();
        assert(said === 'Files of table rows: they change with their rows (Database page or the API).', `${path}: the line says why: ${said}`);
        const left = await present();
        assert(left.length === 0, `${path}: no write controls, yet: ${left.join(', ')}`);
      }
      const link = page.getByTestId('files-readonly').getByRole('link', { name: 'Database page' });
      assert(/\/admin\/database\?.*table=posts/.test((await link.getAttribute('href')) ?? ''), 'the line links to the posts\' rows');
      // A drop is not taken: nothing is queued, nothing sent.
      const puts = [];
      const record = (req) => req.method() === 'PUT' && puts.push(req.url());
      page.on('request', record);
      const taken = await page.evaluate(() => {
        const zone = document.querySelector('[data-testid="files-drop"]');
        const items = [{ kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => new File(['x'], 'dropped.txt', { type: 'text/plain' }) }];
        let prevented = false;
        for (const type of ['dragenter', 'dragover', 'drop']) {
          const ev = new DragEvent(type, { bubbles: true, cancelable: true });
          Object.defineProperty(ev, 'dataTransfer', { value: { types: ['Files'], items, dropEffect: 'none' } });
          zone.dispatchEvent(ev);
          prevented ||= ev.defaultPrevented;
        }
        return prevented;
      });
      await page.waitForTimeout(300);
      page.off('request', record);
      assert(!taken, 'the listing does not take the drop');
      assert((await page.getByTestId('upload-item').count()) === 0 && puts.length === 0, `nothing uploaded: ${puts.join(', ')}`);
      // Browsing, preview and download stay.
      const row = fileRow(draft.cover.key);
      await row.getByTestId('file-download').waitFor();
      await row.getByTestId('file-preview').click();
      const img = page.getByTestId('file-preview-dialog').getByTestId('file-preview-image');
      await img.waitFor();
      await eventually(async () => img.evaluate((el) => el.complete && el.naturalWidth === 1), 'the cover previews');
      await closePreview();
      await shot('files-tables-readonly.png');
    });

    await step('files: the folder of table rows\' files is listed without Delete; the server refuses deleting it in words of its own', async () => {
      await page.getByRole('link', { name: 'Files', exact: true }).click();
      await page.locator('[data-testid="files-listing"][data-folder=""]').waitFor();
      await folderRow('tables').waitFor();
      assert((await folderRow('tables').getByTestId('folder-delete').count()) === 0, 'no Delete on the tables folder');
      // The server stands behind it: a delete sent anyway is refused with the reason.
      const said = await page.evaluate(async () => {
        const res = await fetch('/graphql', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'mutation { deleteFolder(environment: "test", path: "tables") }' }),
        });
        return (await res.json()).errors?.[0]?.message ?? '';
      });
      assert(/^`tables\/` holds the files of table rows/.test(said), `the server says why: ${said}`);
    });
  }

  await step('files: production says file management is off, and its files are never asked for', async () => {
    const asked = [];
    const record = (req) => {
      const body = req.method() === 'POST' && req.url().endsWith('/graphql') ? req.postData() ?? '' : '';
      if (/\bfiles\(|folderSummary/.test(body) && body.includes('"production"')) asked.push(body.slice(0, 120));
    };
    page.on('request', record);
    await page.getByTestId('env-switcher').selectOption('production');
    const off = page.getByTestId('files-off');
    await off.waitFor();
    const text = await off.innerText();
    assert(/file browsing is off for production/i.test(text), `says file browsing is off: ${text}`);
    assert(/owner ticks “File management”/.test(text), `says how to turn it on: ${text}`);
    assert((await page.getByTestId('files-page').count()) === 0, 'no listing');
    page.off('request', record);
    assert(asked.length === 0, `files were requested for production: ${asked.join(' | ')}`);
    const direct = await gql('{ files(environment: "production") { usedBytes } }');
    assert(direct.errors?.[0]?.extensions?.code === 'FORBIDDEN', `the server refuses production's files: ${JSON.stringify(direct)}`);
    await page.getByTestId('env-switcher').selectOption('test');
    await page.getByTestId('files-page').waitFor();
  });
}
