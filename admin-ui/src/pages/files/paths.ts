// Paths of an environment's files as the server takes them: "" is the root,
// "photos/2024/cat.png" a file, no leading or trailing slash. The checks are
// the server's own rules, caught before a round trip.

const MAX_PATH_BYTES = 1024;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** `folder` and `name` joined: join("", "a") = "a", join("a/b", "c") = "a/b/c". */
export function join(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/** Whether the server refuses writes at `path`: table rows' files live under
 * `tables/` and change only with their rows (the `tables` folder itself too). */
export function isRowFiles(path: string): boolean {
  return path === 'tables' || path.startsWith('tables/');
}

/** The folder holding `path` ("" for the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Each folder from the root down to `folder`, with its full path: a/b → [a, a/b]. */
export function crumbs(folder: string): { name: string; path: string }[] {
  if (!folder) return [];
  const parts = folder.split('/');
  return parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join('/') }));
}

/** Why a full path is refused, or null when the server would take it. */
export function pathProblem(path: string): string | null {
  if (!path) return 'The path is empty.';
  if (path.startsWith('/')) return 'The path may not start with “/”.';
  if (path.includes('\\')) return 'Use “/” between folders, not “\\”.';
  if (CONTROL.test(path)) return 'The path may not hold control characters.';
  const segments = path.split('/');
  if (segments.some((s) => s === '')) return 'The path has an empty folder name (“//” or a trailing “/”).';
  if (segments.some((s) => s === '.' || s === '..')) return 'The path may not hold “.” or “..” as a name.';
  if (new TextEncoder().encode(path).length > MAX_PATH_BYTES) return `The path is longer than ${MAX_PATH_BYTES} bytes.`;
  return null;
}

/** Why one folder name (no "/") is refused, or null. */
export function nameProblem(name: string): string | null {
  if (!name.trim()) return 'Give the folder a name.';
  if (name.includes('/')) return 'A folder name may not hold “/”: create one folder at a time.';
  return pathProblem(name);
}

/** `/admin/files/{environment}/{path}` with each segment percent-encoded. */
export function fileUrl(environment: string, path: string): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `/admin/files/${encodeURIComponent(environment)}/${encoded}`;
}

/** A download URL made to serve inline (for previews). */
export function inlineUrl(downloadUrl: string): string {
  return `${downloadUrl}${downloadUrl.includes('?') ? '&' : '?'}inline=1`;
}

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-ndjson',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/sql',
  'application/x-sh',
]);

/** How a file of this type previews: an <img>, its first bytes as text, or not at all. */
export function previewKind(contentType: string): 'image' | 'text' | null {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml')) return 'text';
  return null;
}
