// A small Rhai mode for CodeMirror's StreamLanguage: keywords, strings,
// numbers, comments, `#{` object maps and the roots a script sees.
import { StreamLanguage, type StringStream } from '@codemirror/language';

const KEYWORDS = new Set([
  'let', 'const', 'if', 'else', 'switch', 'do', 'while', 'loop', 'until', 'for', 'in', 'continue', 'break',
  'return', 'throw', 'try', 'catch', 'fn', 'private', 'import', 'export', 'as', 'true', 'false', 'this',
]);
const ROOTS = new Set(['request', 'caller', 'env', 'vars', 'steps']);

interface State {
  inComment: boolean;
}

function token(stream: StringStream, state: State): string | null {
  if (state.inComment) {
    if (stream.skipTo('*/')) {
      stream.next();
      stream.next();
      state.inComment = false;
    } else stream.skipToEnd();
    return 'comment';
  }
  if (stream.eatSpace()) return null;
  if (stream.match('//')) {
    stream.skipToEnd();
    return 'comment';
  }
  if (stream.match('/*')) {
    state.inComment = true;
    return 'comment';
  }
  const ch = stream.peek();
  if (ch === '"' || ch === '`' || ch === "'") {
    const quote = stream.next();
    let escaped = false;
    for (let c = stream.next(); c != null; c = stream.next()) {
      if (c === quote && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    return 'string';
  }
  if (stream.match(/^\d[\d_]*(\.\d+)?(e[+-]?\d+)?/)) return 'number';
  if (stream.match('#{')) return 'bracket';
  if (stream.match(/^[A-Za-z_]\w*/)) {
    const word = stream.current();
    if (KEYWORDS.has(word)) return 'keyword';
    if (ROOTS.has(word)) return 'variableName.special';
    return stream.peek() === '(' ? 'function' : 'variableName';
  }
  if (stream.match(/^[+\-*/%=!<>&|^?:.]+/)) return 'operator';
  stream.next();
  return null;
}

export const rhai = StreamLanguage.define<State>({
  name: 'rhai',
  startState: () => ({ inComment: false }),
  token,
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } } },
});
