// One urql client for the whole SPA: queries and mutations are POSTed as JSON to
// /graphql with the session cookie; subscriptions go over graphql-transport-ws.
import {
  Client,
  fetchExchange,
  makeOperation,
  mapExchange,
  stringifyDocument,
  subscriptionExchange,
  type AnyVariables,
  type DocumentInput,
  type Operation,
  type OperationResult,
} from '@urql/core';
import { makeFetchBody } from '@urql/core/internal';
import type { GraphQLFormattedError } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { errorCodes } from './errors';

let ws: WsClient | null = null;
let onUnauthenticated: (() => void) | null = null;
let onWsStatus: ((connected: boolean) => void) | null = null;
const statusListeners = new Set<(connected: boolean) => void>();
let wsConnected = false;

function wsStatus(connected: boolean): void {
  wsConnected = connected;
  onWsStatus?.(connected);
  for (const fn of statusListeners) fn(connected);
}

/** Be told when the subscription socket connects or closes. */
export function setWsStatusHandler(fn: ((connected: boolean) => void) | null): void {
  onWsStatus = fn;
}

/** Also be told (at once, then on each change) whether the subscription socket is connected. Returns the unlisten. */
export function listenWsStatus(fn: (connected: boolean) => void): () => void {
  statusListeners.add(fn);
  fn(wsConnected);
  return () => void statusListeners.delete(fn);
}

function wsUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/graphql/ws`;
}

function wsClient(): WsClient {
  if (!ws) {
    ws = createWsClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: 1000,
      shouldRetry: () => true,
      on: {
        connected: () => wsStatus(true),
        closed: () => wsStatus(false),
      },
    });
  }
  return ws;
}

/** Drop the WebSocket (e.g. after sign-in/out) so the next subscription
 * reconnects with the current session cookie. */
export function resetSubscriptions(): void {
  if (ws) {
    void ws.dispose();
    ws = null;
    wsStatus(false);
  }
}

/** Called when any operation fails with UNAUTHENTICATED (session expired). */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

/**
 * urql writes a request's body with every object's keys sorted (its
 * stringifyVariables, made for cache keys), so JSON sent as a variable (a
 * router's body fields, a whole workspace document) would reach the server,
 * and be saved, in alphabetical order. The body is written again here with
 * JSON.stringify, which keeps the order the SPA holds.
 */
function keepKeyOrder(operation: Operation): Operation {
  if (operation.kind !== 'query' && operation.kind !== 'mutation') return operation;
  const send = operation.context.fetch;
  return makeOperation(operation.kind, operation, {
    ...operation.context,
    fetch: (url: RequestInfo | URL, init?: RequestInit) => {
      const ordered = typeof init?.body === 'string' ? { ...init, body: JSON.stringify(makeFetchBody(operation)) } : init;
      return send ? send(url, ordered) : fetch(url, ordered);
    },
  });
}

export const client = new Client({
  url: '/graphql',
  preferGetMethod: false,
  requestPolicy: 'network-only',
  fetchOptions: () => ({ credentials: 'same-origin' }),
  exchanges: [
    mapExchange({
      onOperation: keepKeyOrder,
      onError(error, operation) {
        const name = operation.query.definitions
          .map((d) => ('name' in d && d.name ? d.name.value : ''))
          .join('');
        if (name !== 'Viewer' && name !== 'Login' && errorCodes(error).includes('UNAUTHENTICATED')) {
          onUnauthenticated?.();
        }
      },
    }),
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || '' };
        return {
          subscribe(sink) {
            const unsubscribe = wsClient().subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
});

/** Run a query once (network-only) and return its result. */
export function query<D, V extends AnyVariables>(
  doc: DocumentInput<D, V>,
  variables: V,
): Promise<OperationResult<D, V>> {
  return client.query(doc, variables).toPromise();
}

/** Run a mutation and return its result. */
export function mutate<D, V extends AnyVariables>(
  doc: DocumentInput<D, V>,
  variables: V,
): Promise<OperationResult<D, V>> {
  return client.mutation(doc, variables).toPromise();
}

/** What `follow` tells its caller. */
export interface FollowSink<D> {
  /** A result: data, or errors of one event the stream goes on after (e.g. LAGGED). */
  next(data: D | null, errors: readonly GraphQLFormattedError[]): void;
  /** The stream was refused or failed for good (`errors` from the server; none when the socket failed). */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** The server ended the stream, or the socket was disposed (signing in or out). */
  complete(): void;
}

/**
 * A subscription whose variables are read again each time it is sent: the
 * socket reconnects by itself and sends its subscriptions again, and a feed
 * followed from a cursor must then go on from the last one seen, not from the
 * first. (graphql-ws sends the same payload on each retry: `variables` is a getter.)
 * Returns the unsubscribe.
 */
export function follow<D, V extends AnyVariables>(doc: DocumentInput<D, V>, variables: () => V, sink: FollowSink<D>): () => void {
  const payload = {
    query: stringifyDocument(doc),
    get variables(): Record<string, unknown> {
      return variables() as Record<string, unknown>;
    },
  };
  return wsClient().subscribe<D>(payload, {
    next: (result) => sink.next((result.data as D | null | undefined) ?? null, result.errors ?? []),
    error: (err) => sink.error(Array.isArray(err) ? (err as GraphQLFormattedError[]) : []),
    complete: () => sink.complete(),
  });
}
