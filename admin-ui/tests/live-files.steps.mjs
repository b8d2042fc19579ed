// The browser test's live Files steps: the Files page of `test`, open on a
// folder of its own, says it is live; a file uploaded elsewhere (a PUT from
// Node with the owner's session) appears in it, marked, without a reload, the
// usage following; replaced, its size changes in place, marked; moved by
// GraphQL into a subfolder, it leaves and the subfolder appears; deleted, a
// file goes; opened, the subfolder follows its own changes. Run by
// browser.test.mjs on the real server; what the steps create is deleted.
import { join } from 'node:path';

/**
 * @param {object} t
 * @param {import('playwright-core').Page} t.page the owner's page, signed in
 * @param {string} t.base where the SPA is served
 * @param {string} t.serverBase the server itself
 * @param {string} t.shots the screenshots folder
 * @param {(name: string, fn: () => Promise<void>) => Promise<void>} t.step
 * @param {(page: object, query: string, variables?: object) => Promise<any>} t.gql
 * @param {(fn: () => Promise<boolean>, message: string, ms?: number) => Promise<void>} t.eventually
 * @param {(cond: unknown, message: string) => void} t.assert
 */
export async function liveFilesSteps(t) {
  const { page, base, serverBase, step, eventually, assert } = t;
  const gql = async (query, variables) => {
    const res = await t.gql(page, query, variables);
    assert(!res.errors, `${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  const folder = `live-files-${Date.now()}`;
  const fileRow = (path) => page.locator(`[data-testid="file-row"][data-path="${path}"]`);
  const folderRow = (path) => page.locator(`[data-testid="folder-row"][data-path="${path}"]`);
  const used = async () => Number(await page.getByTestId('files-usage').getAttribute('data-used'));
  // An upload from outside the page: the admin's HTTP endpoint, signed in with the owner's session cookie.
  const put = async (path, body) => {
    const cookie = (await page.context().cookies(serverBase)).map((c) => `${c.name}=${c.value}`).join('; ');
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    const res = await fetch(`${serverBase}/admin/files/test/${encoded}`, {
      method: 'PUT',
      headers: { cookie, 'x-serverkit-csrf': '1', 'content-type': 'text/plain' },
      body,
    });
    assert(res.ok, `PUT ${path}: ${res.status} ${await res.text()}`);
  };
  const markPage = () => page.evaluate(() => (window.__liveFilesMark = Math.random()));
  const samePage = async (mark) => assert((await page.evaluate(() => window.__liveFilesMark)) === mark, 'the page was not reloaded');
  const waitLive = async () => {
    const live = page.getByTestId('files-live');
    await eventually(async () => (await live.getAttribute('data-state')) === 'live', 'the Files page says it is live');
    assert((await live.innerText()).trim() === 'Live', `in words: ${await live.innerText()}`);
  };

  try {
    await step('live files: an upload from elsewhere appears marked, a replacement changes in place, a move and a delete go, without a reload', async () => {
      await gql('mutation($p: String!) { createFolder(environment: "test", path: $p) }', { p: folder });
      await page.goto(`${base}/admin/files?env=test&folder=${encodeURIComponent(folder)}`);
      await page.locator(`[data-testid="files-listing"][data-folder="${folder}"]`).waitFor();
      await waitLive();
      const mark = await markPage();
      const before = await used();

      const notes = `${folder}/notes.txt`;
      const scratch = `${folder}/scratch.txt`;
      await put(notes, 'written while the page watched\n');
      await put(scratch, 'to be deleted\n');
      await eventually(async () => (await fileRow(notes).getAttribute('data-live')) === 'insert', `${notes} appears, marked as new`);
      await eventually(async () => (await fileRow(scratch).getAttribute('data-live')) === 'insert', `${scratch} appears, marked as new`);
      assert(Number(await fileRow(notes).getAttribute('data-size')) === 31, `with its size: ${await fileRow(notes).getAttribute('data-size')}`);
      await eventually(async () => (await used()) >= before + 31 + 14, 'the usage counts them');
      await page.screenshot({ path: join(t.shots, 'live-files.png'), fullPage: true });

      // Replaced: the same path, another size, changed in place.
      await put(scratch, 'to be deleted, replaced first\n');
      await eventually(
        async () => Number(await fileRow(scratch).getAttribute('data-size')) === 30 && (await fileRow(scratch).getAttribute('data-live')) === 'update',
        'the replaced file shows its new size, marked as changed',
      );

      // Moved by GraphQL into a folder not listed yet: gone from here, the folder appears.
      const moved = `${folder}/kept/notes.txt`;
      await gql('mutation($f: String!, $t: String!) { moveFile(environment: "test", from: $f, to: $t) { path } }', { f: notes, t: moved });
      await eventually(async () => (await fileRow(notes).count()) === 0, 'the moved file leaves the folder');
      await eventually(async () => (await folderRow(`${folder}/kept`).count()) === 1, 'the folder it went to appears');

      await gql('mutation($p: String!) { deleteFile(environment: "test", path: $p) }', { p: scratch });
      await eventually(async () => (await fileRow(scratch).count()) === 0, 'the deleted file goes');
      await eventually(async () => (await used()) === before + 31, 'the usage follows');
      await samePage(mark);

      // Another folder is followed in turn.
      await folderRow(`${folder}/kept`).getByTestId('folder-open').click();
      await page.locator(`[data-testid="files-listing"][data-folder="${folder}/kept"]`).waitFor();
      await fileRow(moved).waitFor();
      await waitLive();
      await gql('mutation($p: String!) { deleteFile(environment: "test", path: $p) }', { p: moved });
      await eventually(async () => (await fileRow(moved).count()) === 0, 'a delete in the folder opened goes too');
      await samePage(mark);
    });
  } finally {
    await t.gql(page, 'mutation($p: String!) { deleteFolder(environment: "test", path: $p) }', { p: folder });
  }
}
