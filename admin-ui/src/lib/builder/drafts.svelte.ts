// Unsaved router drafts, one per router (the new one under ''), kept while the
// admin moves between routers and pages and, in sessionStorage, across a
// reload. A draft is the router's JSON definition itself (unknown fields
// included), plus the text of the JSON view while that view is open.
import type { RouterDef } from '../workspace';
import { canonical } from './templateText';

export type View = 'form' | 'json';

export interface JsonTexts {
  input: string;
  steps: string;
}

export interface RouterDraft {
  /** The saved router's name; null for a new router. */
  original: string | null;
  definition: RouterDef;
  /** Canonical JSON of the saved definition the draft started from (of the blank one for a new router). */
  base: string;
  /** The revision the draft was loaded from: saves expect it. */
  baseRevision: number;
  /** The JSON view's texts (possibly not valid JSON yet); null in the form view. */
  texts: JsonTexts | null;
}

const STORE_KEY = 'serverkit.routerDrafts';
const VIEW_KEY = 'serverkit.routerView';
export const NEW_ROUTER: RouterDef = {
  name: '',
  method: 'GET',
  path: '/',
  access: { allow: 'public' },
  // No body to start with: the respond step gets one from the step put before it (StepsBuilder), or as typed.
  steps: [{ respond: { status: 200 } }],
};

const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const keyOf = (original: string | null) => original ?? '';

function restore(): Record<string, RouterDraft> {
  try {
    const text = sessionStorage.getItem(STORE_KEY);
    return text ? (JSON.parse(text) as Record<string, RouterDraft>) : {};
  } catch {
    return {};
  }
}

function storedView(): View | null {
  try {
    const v = localStorage.getItem(VIEW_KEY);
    return v === 'form' || v === 'json' ? v : null;
  } catch {
    return null;
  }
}

export const drafts = $state<{ byKey: Record<string, RouterDraft>; view: View | null }>({ byKey: restore(), view: storedView() });

export function textsOf(def: RouterDef): JsonTexts {
  return { input: pretty(def.input ?? {}), steps: pretty(def.steps ?? []) };
}

/** Whether the JSON view's texts are not (yet) valid JSON. */
function textsBroken(t: JsonTexts | null): boolean {
  if (!t) return false;
  try {
    JSON.parse(t.input.trim() || '{}');
    JSON.parse(t.steps.trim() || '[]');
    return false;
  } catch {
    return true;
  }
}

export function isDirty(d: RouterDraft | undefined): boolean {
  return !!d && (canonical(d.definition) !== d.base || textsBroken(d.texts));
}

/** The routers with unsaved edits ('' for a new one). */
export function unsavedRouters(): string[] {
  return Object.keys(drafts.byKey).filter((k) => isDirty(drafts.byKey[k]));
}

export function hasUnsavedDrafts(): boolean {
  return unsavedRouters().length > 0;
}

function fresh(original: string | null, saved: RouterDef | null, revision: number, view: View): RouterDraft {
  const definition = JSON.parse(JSON.stringify(saved ?? NEW_ROUTER)) as RouterDef;
  return { original, definition, base: canonical(saved ?? NEW_ROUTER), baseRevision: revision, texts: view === 'json' ? textsOf(definition) : null };
}

/** The draft of a router, started from its saved definition unless one is kept. */
export function openDraft(original: string | null, saved: RouterDef | null, revision: number, view: View): RouterDraft {
  const key = keyOf(original);
  const kept = drafts.byKey[key];
  if (kept && (isDirty(kept) || kept.base === canonical(saved ?? NEW_ROUTER))) {
    if (view === 'json' && !kept.texts) kept.texts = textsOf(kept.definition);
    if (view === 'form' && kept.texts && !textsBroken(kept.texts)) kept.texts = null;
    return kept;
  }
  drafts.byKey[key] = fresh(original, saved, revision, view);
  return drafts.byKey[key];
}

/** Starts the draft over from the saved definition (after a save, a reload or a discard). */
export function resetDraft(original: string | null, saved: RouterDef | null, revision: number, view: View): RouterDraft {
  drafts.byKey[keyOf(original)] = fresh(original, saved, revision, view);
  return drafts.byKey[keyOf(original)];
}

export function dropDraft(original: string | null): void {
  delete drafts.byKey[keyOf(original)];
}

export function setView(view: View): void {
  drafts.view = view;
  try {
    localStorage.setItem(VIEW_KEY, view);
  } catch {
    /* private mode: the choice lasts for this page */
  }
}

// Only unsaved drafts are kept across a reload; a clean one is rebuilt from the workspace.
$effect.root(() => {
  $effect(() => {
    const keep = Object.fromEntries(Object.entries(drafts.byKey).filter(([, d]) => isDirty(d)));
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(keep));
    } catch {
      /* storage full or off: drafts still last while the page is open */
    }
  });
});

if (typeof window !== 'undefined') {
  window.addEventListener('beforeunload', (e) => {
    if (!hasUnsavedDrafts()) return;
    e.preventDefault();
    e.returnValue = '';
  });
}
