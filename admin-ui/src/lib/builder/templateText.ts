// A step value (a template: any JSON) as one line of text, and back, so that
// text → value → text is exact: strings are shown as typed unless they would
// read back as another JSON value ("20", "true"), which are shown quoted.

/** The text a value is edited as ('' for absent). */
export function toText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return JSON.stringify(value);
  if (value === '') return '""';
  try {
    JSON.parse(value);
    return JSON.stringify(value);
  } catch {
    return value;
  }
}

/** The value of a text: JSON when it reads as JSON, else the text itself; undefined for ''. */
export function fromText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON with object keys sorted: two equal definitions give the same text whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Sets `key` of `obj`, or removes it when `value` is undefined. */
export function setOrDelete(obj: Json, key: string, value: unknown): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

/** The same object with `from` renamed to `to`, keeping the order of its keys. */
export function renameKey(obj: Json, from: string, to: string): Json {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k === from ? to : k, v]));
}
