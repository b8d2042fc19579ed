// Following a change feed (rowChanges, userChanges) while a page shows what
// it changes: the state the live indicator shows, the cursor of the last
// change seen (a reconnect goes on from it: nothing missed, nothing twice),
// and LAGGED (the feed no longer holds changes that old: the page reads its
// rows again, and the stream goes on from extensions.cursor).
import type { AnyVariables, DocumentInput } from '@urql/core';
import type { GraphQLFormattedError } from 'graphql';
import { follow, listenWsStatus } from '../graphql/client';

/** connecting: asked, the socket not yet up; live: following; reconnecting: the socket dropped
 * (or the stream ended) and comes back by itself; off: refused (FORBIDDEN); failed: another error. */
export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'off' | 'failed';

export interface FeedStatus {
  state: FeedState;
  /** Why, for off and failed: the server's message. */
  message: string;
}

export interface FeedOptions<D, V extends AnyVariables> {
  doc: DocumentInput<D, V>;
  /** The variables with `after` the cursor to go on from (null: from now). */
  variables: (after: string | null) => V;
  /** The cursor of a change, and the change applied by the page. */
  cursorOf: (data: D) => string | null;
  onchange: (data: D) => void;
  /** The page reads its state again (the feed skipped what it no longer holds). */
  onlagged: () => void;
  onstatus: (status: FeedStatus) => void;
  /** Where to start: the cursor a page kept from following before (null or missing: from now). */
  from?: string | null;
  /** Told each time the cursor moves on (a change, or LAGGED's new position), for a later `from`. */
  oncursor?: (cursor: string) => void;
}

const RETRY_MS = 2_000;
const RETRY_MAX_MS = 30_000;
/** Refusals that asking again will not change (the server sends them as a result, then ends the stream). */
const FINAL = ['FORBIDDEN', 'UNAUTHENTICATED', 'BAD_USER_INPUT', 'NOT_FOUND'];

const code = (e: GraphQLFormattedError) => String(e.extensions?.code ?? '');

/** Follows the feed until the returned stop is called. */
export function followFeed<D, V extends AnyVariables>(o: FeedOptions<D, V>): () => void {
  let after: string | null = o.from ?? null;
  let stopped = false;
  let socketUp = false;
  let state: FeedState = 'connecting';
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let final = false;
  let delay = RETRY_MS;

  const set = (next: FeedState, message = '') => {
    state = next;
    o.onstatus({ state, message });
  };

  function start(): void {
    if (stopped) return;
    set(socketUp ? 'live' : state === 'connecting' ? 'connecting' : 'reconnecting');
    final = false;
    unsubscribe = follow(o.doc, () => o.variables(after), {
      next(data, errors) {
        if (data) {
          delay = RETRY_MS;
          after = o.cursorOf(data) ?? after;
          if (after) o.oncursor?.(after);
          o.onchange(data);
        }
        const lagged = errors.find((e) => code(e) === 'LAGGED');
        if (lagged) {
          const now = lagged.extensions?.cursor;
          if (typeof now === 'string') {
            after = now;
            o.oncursor?.(now);
          }
          o.onlagged();
        } else if (errors.length && !data) {
          refused(errors);
        }
      },
      error(errors) {
        unsubscribe = null;
        if (errors.length) refused(errors);
        if (!final) retry(); // the socket failed for good: a new one, in a moment
      },
      complete() {
        // The server ended the stream (after a refusal: it stays so), or the client was disposed
        // (signing in or out): again, from the last cursor.
        unsubscribe = null;
        if (!final) retry();
      },
    });
  }

  function refused(errors: readonly GraphQLFormattedError[]): void {
    final = errors.some((e) => FINAL.includes(code(e)));
    const forbidden = errors.find((e) => code(e) === 'FORBIDDEN');
    if (forbidden) set('off', forbidden.message);
    else set('failed', errors.map((e) => e.message).join('; '));
  }

  function retry(): void {
    if (stopped || timer) return;
    // A failure shown stays until the retry: the indicator says why it is not live.
    if (state !== 'failed') set('reconnecting');
    timer = setTimeout(() => ((timer = null), start()), delay);
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }

  const unlisten = listenWsStatus((up) => {
    socketUp = up;
    if (!unsubscribe || state === 'off' || state === 'failed') return;
    set(up ? 'live' : 'reconnecting');
  });
  start();

  return () => {
    stopped = true;
    unlisten();
    if (timer) clearTimeout(timer);
    unsubscribe?.();
    unsubscribe = null;
  };
}

/** The indicator's words for a state. */
export function feedLabel(status: FeedStatus, what: string): string {
  switch (status.state) {
    case 'live':
      return 'Live';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'off':
      return `Off: ${what} is off here`;
    case 'failed':
      return 'Not live';
  }
}
