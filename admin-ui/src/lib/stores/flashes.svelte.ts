// Items a live change just touched, marked for a few seconds (the page
// shows a highlight that fades, and `data-live` for whoever looks).
export type FlashKind = 'insert' | 'update';

const SHOWN_MS = 6_000;

export class Flashes {
  marks = $state<Record<string, FlashKind>>({});
  #timers = new Map<string, ReturnType<typeof setTimeout>>();

  flash(id: string, kind: FlashKind): void {
    const was = this.#timers.get(id);
    if (was) clearTimeout(was);
    this.marks[id] = kind;
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        delete this.marks[id];
      }, SHOWN_MS),
    );
  }

  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.marks = {};
  }
}
