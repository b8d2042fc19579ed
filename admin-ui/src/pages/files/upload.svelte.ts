// Uploads of the Files page: each file PUT to /admin/files/{env}/{path} with
// XMLHttpRequest (fetch reports no upload progress), up to three at a time.
// Files over the environment's size limit are refused before any byte is sent.
import { fmtSize } from '../../lib/format';
import { fileUrl } from './paths';

export const PARALLEL = 3;

export type UploadStatus = 'refused' | 'queued' | 'uploading' | 'done' | 'error';

export interface UploadItem {
  id: number;
  environment: string;
  /** Full path the file is stored at. */
  path: string;
  file: File;
  loaded: number;
  status: UploadStatus;
  message: string | null;
}

/** A file to upload and its path under the folder it is dropped on. */
export interface Picked {
  file: File;
  path: string;
}

type Outcome = { ok: true } | { ok: false; code: string; message: string };

function readError(xhr: XMLHttpRequest): Outcome {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return { ok: false, code: body.error.code ?? `HTTP_${xhr.status}`, message: body.error.message };
  } catch {
    /* not JSON: said below by its status */
  }
  if (xhr.status === 401) return { ok: false, code: 'UNAUTHENTICATED', message: 'Your session has ended. Please sign in again.' };
  return { ok: false, code: `HTTP_${xhr.status}`, message: `The server answered ${xhr.status} ${xhr.statusText}`.trim() };
}

/** PUT one file; `onprogress` gets the bytes sent so far. */
function put(item: UploadItem, onprogress: (loaded: number) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', fileUrl(item.environment, item.path));
    xhr.setRequestHeader('content-type', item.file.type || 'application/octet-stream');
    // Cookie-authenticated writes must say they come from the SPA (CSRF).
    xhr.setRequestHeader('x-serverkit-csrf', '1');
    xhr.upload.onprogress = (e) => onprogress(e.loaded);
    xhr.onload = () => resolve(xhr.status >= 200 && xhr.status < 300 ? { ok: true } : readError(xhr));
    xhr.onerror = () => resolve({ ok: false, code: 'NETWORK', message: "Can't reach the server. Check that ServerKit is running." });
    xhr.onabort = () => resolve({ ok: false, code: 'ABORTED', message: 'Cancelled.' });
    xhr.send(item.file);
  });
}

/** The uploads of one page: a list the page shows, worked off three at a time. */
export class UploadQueue {
  items = $state<UploadItem[]>([]);
  #running = 0;
  #next = 1;
  #onsettled: () => void;

  /** `onsettled` is called each time the last running upload ends. */
  constructor(onsettled: () => void) {
    this.#onsettled = onsettled;
  }

  get busy(): boolean {
    return this.items.some((i) => i.status === 'queued' || i.status === 'uploading');
  }

  /** Queue `picked` under `folder`; those over `maxFileBytes` are refused at once. */
  add(environment: string, folder: string, picked: Picked[], maxFileBytes: number): void {
    for (const p of picked) {
      const path = folder ? `${folder}/${p.path}` : p.path;
      const tooBig = maxFileBytes > 0 && p.file.size > maxFileBytes;
      this.items.push({
        id: this.#next++,
        environment,
        path,
        file: p.file,
        loaded: 0,
        status: tooBig ? 'refused' : 'queued',
        message: tooBig
          ? `${fmtSize(p.file.size)} is over the ${fmtSize(maxFileBytes)} a file may be in ${environment}: not uploaded.`
          : null,
      });
    }
    this.#pump();
  }

  /** Forget the uploads that ended (done, failed or refused). */
  clearEnded(): void {
    this.items = this.items.filter((i) => i.status === 'queued' || i.status === 'uploading');
  }

  #pump(): void {
    while (this.#running < PARALLEL) {
      const item = this.items.find((i) => i.status === 'queued');
      if (!item) return;
      this.#running++;
      item.status = 'uploading';
      void put(item, (loaded) => (item.loaded = loaded)).then((out) => {
        this.#running--;
        if (out.ok) {
          item.loaded = item.file.size;
          item.status = 'done';
        } else {
          item.status = 'error';
          item.message = out.message;
        }
        this.#pump();
        if (this.#running === 0) this.#onsettled();
      });
    }
  }
}
