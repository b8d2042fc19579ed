// A committed change of a file (fileChanges) applied to the folder the page
// shows: an upload into it appears, a replaced file changes in place, a move
// takes the file out of its old folder and into its new one, a delete takes
// it out; a file landing deeper down shows its subfolder. The page's own
// writes come back through the feed too (and a re-followed folder hears its
// recent changes again), so a change the listing already holds changes
// nothing and is not marked.
import type { ChangeOp, FileInfoFieldsFragment } from '../../generated/graphql';
import { baseName, fileUrl, isRowFiles, join, parentOf } from './paths';

type FileInfo = FileInfoFieldsFragment;

export interface FileChange {
  op: ChangeOp;
  /** Where the file is now; for a delete, where it was. */
  path: string;
  /** Where a move took it from (null for uploads, replacements and deletes). */
  previousPath: string | null;
  size: number | null;
  contentType: string | null;
  at: string;
}

export interface Listing {
  folders: string[];
  files: FileInfo[];
}

export interface FolderView {
  environment: string;
  folder: string;
  /** More pages of files to load: a file sorting after the last one shown belongs to one of them. */
  hasNext: boolean;
}

export interface AppliedFiles extends Listing {
  /** What to mark: files by path, folders by path with a trailing "/". */
  marks: [string, 'insert' | 'update'][];
}

/** A store's modification time comes a moment before the change is recorded. */
const SAME_WRITE_MS = 2_000;

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The subfolder of `folder` that holds `path`, when `path` lies below it (not in it). */
export function subfolderOf(folder: string, path: string): string | null {
  const rest = folder ? (path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : null) : path;
  const slash = rest?.indexOf('/') ?? -1;
  return rest && slash > 0 ? join(folder, rest.slice(0, slash)) : null;
}

/** Whether `shown` already holds what `change` made of it. */
function holds(shown: FileInfo, change: FileChange): boolean {
  const same = (change.size === null || change.size === shown.size) && (change.contentType === null || change.contentType === shown.contentType);
  if (!same) return false;
  // A move keeps the file's contents (and, on most stores, its modification time).
  if (change.previousPath) return true;
  return Date.parse(shown.modifiedAt) >= Date.parse(change.at) - SAME_WRITE_MS;
}

export function applyFileChange(listing: Listing, change: FileChange, view: FolderView): AppliedFiles {
  const { folder } = view;
  let { files, folders } = listing;
  const marks: AppliedFiles['marks'] = [];
  const from = change.op === 'DELETE' ? change.path : change.previousPath;
  const to = change.op === 'DELETE' ? null : change.path;
  const left = from && from !== to ? files.find((f) => f.path === from) : undefined;
  if (left) files = files.filter((f) => f !== left);
  if (to && parentOf(to) === folder) {
    const shown = files.find((f) => f.path === to);
    if (shown && !holds(shown, change)) {
      const next = {
        ...shown,
        size: change.size ?? shown.size,
        contentType: change.contentType ?? shown.contentType,
        modifiedAt: change.previousPath ? shown.modifiedAt : change.at,
        etag: change.previousPath ? shown.etag : null,
      };
      files = files.map((f) => (f === shown ? next : f));
      marks.push([to, 'update']);
    } else if (!shown) {
      const name = baseName(to);
      const last = files[files.length - 1];
      // Past the last file shown, with more pages to come: it is on one of them.
      if (!(view.hasNext && last && name > last.name)) {
        const file: FileInfo = {
          path: to,
          name,
          size: change.size ?? 0,
          contentType: change.contentType ?? 'application/octet-stream',
          modifiedAt: left?.modifiedAt ?? change.at,
          etag: null,
          downloadUrl: fileUrl(view.environment, to),
          readOnly: isRowFiles(to),
        };
        files = [...files, file].sort(byName);
        marks.push([to, 'insert']);
      }
    }
  } else if (to) {
    const sub = subfolderOf(folder, to);
    if (sub && !folders.includes(sub)) {
      folders = [...folders, sub].sort();
      marks.push([`${sub}/`, 'insert']);
    }
  }
  return { files, folders, marks };
}
