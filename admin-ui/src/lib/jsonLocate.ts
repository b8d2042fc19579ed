// Finds the lines of every value in a JSON text, by path (`[0].get.table`,
// `params.properties`), so problems reported on a path can be shown in place.
import { parentPath } from './workspace';

/** 0-based first and last line of a value. */
export interface Span {
  start: number;
  end: number;
}

/** A tinted line range in the JSON editor: a whole value, or the exact line at fault. */
export interface Mark extends Span {
  kind: 'range' | 'line';
}

/** Every value's span, keyed by path ('' is the root); null if the text is not JSON. */
export function locate(text: string): Map<string, Span> | null {
  const breaks: number[] = [];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') breaks.push(i);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (breaks[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const spans = new Map<string, Span>();
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const fail = (): never => {
    throw new Error(`unexpected input at ${pos}`);
  };
  const expect = (c: string) => (text[pos] === c ? pos++ : fail());
  const str = (): string => {
    const start = pos;
    expect('"');
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    expect('"');
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (path: string): void => {
    ws();
    const start = pos;
    const c = text[pos];
    if (c === '{') {
      pos++;
      ws();
      if (text[pos] === '}') pos++;
      else
        for (;;) {
          ws();
          const key = str();
          ws();
          expect(':');
          value(path ? `${path}.${key}` : key);
          ws();
          if (text[pos] === ',') pos++;
          else {
            expect('}');
            break;
          }
        }
    } else if (c === '[') {
      pos++;
      ws();
      if (text[pos] === ']') pos++;
      else
        for (let i = 0; ; i++) {
          value(`${path}[${i}]`);
          ws();
          if (text[pos] === ',') pos++;
          else {
            expect(']');
            break;
          }
        }
    } else if (c === '"') str();
    else {
      while (pos < text.length && /[^,\]}\s]/.test(text[pos])) pos++;
      if (pos === start) fail();
    }
    spans.set(path, { start: lineOf(start), end: lineOf(pos - 1) });
  };
  try {
    value('');
    ws();
    return pos === text.length ? spans : null;
  } catch {
    return null;
  }
}

/** The span of `path`, or of its nearest located ancestor. */
export function spanOf(spans: Map<string, Span> | null, path: string): Span | null {
  if (!spans) return null;
  let p = path;
  for (;;) {
    const s = spans.get(p);
    if (s) return s;
    if (!p) return null;
    p = parentPath(p);
  }
}

/** JSON.parse's complaint about a text, with the line it points at when known. */
export function jsonError(text: string): { message: string; line: number | null } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length - 1 : null;
    return { message, line };
  }
}
