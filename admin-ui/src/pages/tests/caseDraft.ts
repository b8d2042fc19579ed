// A test case as the form edits it: JSON parts as text (so a half-typed body
// stays as typed), statuses as text, and back to the definition the server
// takes (server/src/workspace/test_case.rs), with what stops that at its field.
import { METHODS } from '../../lib/workspace';
import { EVENT_NAMES, type ActAsDef, type CaseDef, type ExpectedEventDef, type StepDef, type StepExpectDef } from './cases';

export type CallerKind = 'anonymous' | 'signedIn' | 'otherUser' | 'group';
/** A step's caller: the case's own (`case`), or one of its own. */
export type StepCallerKind = CallerKind | 'case';

export const CALLER_LABELS: Record<CallerKind, string> = {
  anonymous: 'Anonymous',
  signedIn: 'A signed-in fixture user',
  otherUser: 'Another signed-in fixture user',
  group: 'A member of a group',
};

export interface PathValue {
  pointer: string;
  /** The expected value as JSON text. */
  value: string;
}

/** An event a stream step expects. */
export interface EventDraft {
  /** Identity for keyed lists (not saved). */
  key: number;
  event: string;
  /** The data subset as JSON text, '' for any. */
  data: string;
}

/** Why a step other than a GET cannot expect events (the server's words). */
export const EVENTS_NEED_GET = 'events are expected of a stream: a GET of a watch router';

export interface StepDraft {
  /** Identity for keyed lists (not saved). */
  key: number;
  as: string;
  caller: StepCallerKind;
  group: string;
  method: string;
  path: string;
  /** JSON texts, '' for none. */
  query: string;
  headers: string;
  body: string;
  status: string;
  expectBody: string;
  paths: PathValue[];
  matchesSchema: boolean;
  /** For a stream (a GET of a watch router): its first events, in order. */
  events: EventDraft[];
  /** What the form has no field for (`files`), kept as it was. */
  extra: Record<string, unknown>;
  /** What the form has no field for in `expect`, kept as it was. */
  expectExtra: Record<string, unknown>;
}

export interface CaseDraft {
  name: string;
  router: string;
  caller: CallerKind;
  group: string;
  steps: StepDraft[];
  /** What the form has no field for, kept as it was. */
  extra: Record<string, unknown>;
}

/** Problems of a draft by place below the case (`steps[1].body`, `name`), as the server names them. */
export type DraftErrors = Record<string, string>;

let nextKey = 0;
const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const textOf = (v: unknown) => (v === undefined ? '' : pretty(v));
const has = (o: Record<string, unknown> | undefined) => !!o && Object.keys(o).length > 0;

function callerOf(a: ActAsDef | undefined): { kind: CallerKind; group: string } {
  if (a && typeof a === 'object') return { kind: 'group', group: a.group };
  return { kind: a ?? 'anonymous', group: '' };
}

function actAsOf(kind: CallerKind, group: string): ActAsDef {
  return kind === 'group' ? { group } : kind;
}

/** Whether a problem is a JSON field that does not parse (shown as soon as it is typed; it blocks switching views). */
export const isJsonError = (message: string) => message.startsWith('not valid JSON') || message === 'a JSON object';

export function newEvent(event = 'insert', data = ''): EventDraft {
  return { key: ++nextKey, event, data };
}

export function newStep(prev?: StepDraft): StepDraft {
  return {
    key: ++nextKey,
    as: '',
    caller: 'case',
    group: '',
    method: prev?.method ?? 'GET',
    path: prev?.path ?? '/',
    query: '',
    headers: '',
    body: '',
    status: '2xx',
    expectBody: '',
    paths: [],
    matchesSchema: false,
    events: [],
    extra: {},
    expectExtra: {},
  };
}

function stepDraft(s: StepDef): StepDraft {
  const { as, method, path, query, headers, body, actAs, expect, ...extra } = s as StepDef & Record<string, unknown>;
  const caller = actAs === undefined ? { kind: 'case' as const, group: '' } : callerOf(actAs);
  const { status: expected, body: expectBody, paths, matchesSchema, events, ...expectExtra } =
    (expect ?? {}) as Partial<StepExpectDef> & Record<string, unknown>;
  return {
    key: ++nextKey,
    as: as ?? '',
    caller: caller.kind,
    group: caller.group,
    method,
    path,
    query: has(query) ? pretty(query) : '',
    headers: has(headers) ? pretty(headers) : '',
    body: textOf(body),
    status: String(expected ?? ''),
    expectBody: textOf(expectBody),
    paths: Object.entries(paths ?? {}).map(([pointer, value]) => ({ pointer, value: JSON.stringify(value) })),
    matchesSchema: matchesSchema === true,
    events: (events ?? []).map((e) => newEvent(e.event, textOf(e.data))),
    extra,
    expectExtra,
  };
}

export function toDraft(def: CaseDef): CaseDraft {
  const { name, router, actAs, steps, ...extra } = def;
  const caller = callerOf(actAs);
  return { name: name ?? '', router: router ?? '', caller: caller.kind, group: caller.group, steps: (steps ?? []).map(stepDraft), extra };
}

const knownCaller = (a: unknown) =>
  a === undefined || (typeof a === 'string' && a in CALLER_LABELS && a !== 'group') ||
  (!!a && typeof a === 'object' && typeof (a as { group?: unknown }).group === 'string');

const knownEvent = (e: unknown) =>
  !!e && typeof e === 'object' && !Array.isArray(e) && EVENT_NAMES.includes((e as { event?: never }).event as never) &&
  Object.keys(e).every((k) => k === 'event' || k === 'data');

/** Whether a JSON value is what the server reads as a case (so the form can show it). */
export function formProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'a case is a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof (v.name ?? '') !== 'string' || typeof (v.router ?? '') !== 'string') return '`name` and `router` are texts';
  if (!knownCaller(v.actAs)) return '`actAs` is "anonymous", "signedIn", "otherUser" or {"group": …}';
  if (!Array.isArray(v.steps)) return '`steps` is a list of requests';
  for (const [i, s] of v.steps.entries()) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return `steps[${i}] is not an object`;
    const step = s as Record<string, unknown>;
    if (typeof step.method !== 'string' || typeof step.path !== 'string') return `steps[${i}] needs a method and a path`;
    if (!knownCaller(step.actAs)) return `steps[${i}].actAs is "anonymous", "signedIn", "otherUser" or {"group": …}`;
    if (step.expect !== undefined && (typeof step.expect !== 'object' || step.expect === null)) return `steps[${i}].expect is not an object`;
    const events = (step.expect as Record<string, unknown> | undefined)?.events;
    if (events !== undefined && !Array.isArray(events)) return `steps[${i}].expect.events is a list of events`;
    for (const [j, e] of ((events as unknown[] | undefined) ?? []).entries()) {
      if (!knownEvent(e)) return `steps[${i}].expect.events[${j}] is {"event": "insert" | "update" | "delete" | "resync", "data": …}, nothing else`;
    }
  }
  return null;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** Parses a JSON field: its value (undefined for an empty field), or records why not. */
function json(text: string, at: string, errors: DraftErrors, object = false): unknown {
  if (!text.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (object && (!value || typeof value !== 'object' || Array.isArray(value))) errors[at] = 'a JSON object';
    return value;
  } catch (err) {
    errors[at] = `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  }
}

function status(text: string): number | string | null {
  const t = text.trim();
  if (/^\d{3}$/.test(t) && Number(t) >= 100 && Number(t) <= 599) return Number(t);
  if (/^[1-5]xx$/.test(t)) return t;
  return null;
}

function stepDef(s: StepDraft, at: string, errors: DraftErrors): StepDef {
  const step: Record<string, unknown> = {};
  if (s.as.trim()) step.as = s.as.trim();
  if (s.as.trim() && !IDENTIFIER.test(s.as.trim())) errors[`${at}.as`] = 'a name of lowercase letters, digits and _, starting with a letter';
  step.method = s.method;
  if (!METHODS.includes(s.method as never)) errors[`${at}.method`] = 'GET, POST, PUT, PATCH or DELETE';
  step.path = s.path.trim();
  if (!step.path || !(step.path as string).startsWith('/')) errors[`${at}.path`] = 'a path under the environment, starting with /';
  const query = json(s.query, `${at}.query`, errors, true);
  if (query !== undefined) step.query = query;
  const headers = json(s.headers, `${at}.headers`, errors, true);
  if (headers !== undefined) step.headers = headers;
  const body = json(s.body, `${at}.body`, errors);
  if (body !== undefined) step.body = body;
  Object.assign(step, s.extra);
  if (s.caller !== 'case') step.actAs = actAsOf(s.caller, s.group);
  if (s.caller === 'group' && !s.group) errors[`${at}.actAs`] = 'pick a group';
  const expected = status(s.status);
  if (expected === null) errors[`${at}.expect.status`] = 'an HTTP status (100–599) or a class such as 2xx';
  const expect: Record<string, unknown> = { status: expected ?? s.status };
  const expectBody = json(s.expectBody, `${at}.expect.body`, errors);
  if (expectBody !== undefined) expect.body = expectBody;
  const paths: Record<string, unknown> = {};
  s.paths.forEach((p, j) => {
    const where = `${at}.expect.paths[${j}]`;
    if (!p.pointer.startsWith('/')) errors[where] = 'a JSON Pointer, starting with /';
    else if (p.pointer in paths) errors[where] = `${p.pointer} is listed twice`;
    if (!p.value.trim()) errors[where] ??= 'the value expected there, as JSON';
    paths[p.pointer] = json(p.value, where, errors) ?? null;
  });
  if (s.paths.length) expect.paths = paths;
  if (s.matchesSchema) expect.matchesSchema = true;
  if (s.events.length) {
    if (s.method !== 'GET') errors[`${at}.expect.events`] = EVENTS_NEED_GET;
    expect.events = s.events.map((e, j): ExpectedEventDef => {
      const where = `${at}.expect.events[${j}]`;
      if (!EVENT_NAMES.includes(e.event as never)) errors[`${where}.event`] = 'insert, update, delete or resync';
      const data = json(e.data, `${where}.data`, errors);
      return { event: e.event as ExpectedEventDef['event'], ...(data === undefined ? {} : { data }) };
    });
  }
  Object.assign(expect, s.expectExtra);
  step.expect = expect;
  return step as unknown as StepDef;
}

/** The definition a draft stands for, and what in it keeps it from being saved. */
export function fromDraft(d: CaseDraft): { def: CaseDef; errors: DraftErrors } {
  const errors: DraftErrors = {};
  if (!d.name.trim()) errors.name = 'a name, unique among the cases';
  if (!d.router) errors.router = 'the router the case is about';
  if (d.caller === 'group' && !d.group) errors.actAs = 'pick a group';
  if (!d.steps.length) errors.steps = 'a test case needs at least one step';
  const names = new Set<string>();
  const steps = d.steps.map((s, i) => {
    const at = `steps[${i}]`;
    const name = s.as.trim();
    if (name && names.has(name)) errors[`${at}.as`] = `step ${[...names].indexOf(name) + 1} is named ${name} already`;
    if (name) names.add(name);
    return stepDef(s, at, errors);
  });
  return { def: { name: d.name.trim(), router: d.router, ...d.extra, actAs: actAsOf(d.caller, d.group), steps }, errors };
}

/** What later steps may read of step `i`'s answer: `${steps.<as>.status}` and so on (a stream's cursor too). */
export function capturesOf(steps: StepDraft[], before: number): string[] {
  return steps
    .slice(0, before)
    .filter((s) => IDENTIFIER.test(s.as.trim()))
    .flatMap((s) => {
      const n = s.as.trim();
      const read = [`\${steps.${n}.body.id}`, `\${steps.${n}.status}`, `\${steps.${n}.body}`];
      return s.events.length ? [...read, `\${steps.${n}.events[0].id}`] : read;
    });
}
