// Short-lived notifications ("Saved", "Token revoked", ...).
export interface Toast {
  id: number;
  message: string;
  kind: 'success' | 'error' | 'info';
}

export const toasts = $state<Toast[]>([]);
let next = 1;

export function toast(message: string, kind: Toast['kind'] = 'success', ms = 4000): void {
  const id = next++;
  toasts.push({ id, message, kind });
  setTimeout(() => dismiss(id), ms);
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
