// What the user hands over to upload, as files with their path relative to
// the folder they land in: picked in the file dialog (a folder's files keep
// webkitRelativePath), or dropped — files and whole folders, walked with
// DataTransferItem.webkitGetAsEntry.
import type { Picked } from './upload.svelte';

/** The files of an <input type="file"> (with `webkitdirectory`, under the picked folder's name). */
export function fromFileList(list: FileList | null): Picked[] {
  return [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((ok, fail) => entry.file(ok, fail));

/** readEntries answers in batches (100 in Chromium) until it answers none. */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, prefix: string, out: Picked[]): Promise<void> {
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), path: prefix + entry.name });
  } else if (entry.isDirectory) {
    for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, `${prefix}${entry.name}/`, out);
  }
}

/** The files of a drop, folders walked. */
export async function fromDrop(data: DataTransfer): Promise<Picked[]> {
  // Entries must be taken before the first await: the items are emptied once the drop handler returns.
  const items = [...data.items].filter((i) => i.kind === 'file');
  const taken = items.map((i) => ({ entry: i.webkitGetAsEntry?.() ?? null, file: i.getAsFile() }));
  const out: Picked[] = [];
  for (const { entry, file } of taken) {
    if (entry) await walk(entry, '', out);
    else if (file) out.push({ file, path: file.name });
  }
  return out;
}
