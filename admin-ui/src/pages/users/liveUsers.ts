// A committed change of an end user (userChanges) applied to the users the
// page shows: the picked group and search decide whether the user belongs
// in the list. Deletes heard twice (the mutation's answer and the feed)
// count once.
import type { ChangeOp, EndUserFieldsFragment } from '../../generated/graphql';

type User = EndUserFieldsFragment;

export interface UsersPage {
  users: User[];
  /** Users of the view (group, search). */
  total: number;
  /** Users in all; null before the first unfiltered page. */
  allTotal: number | null;
}

export interface UsersView {
  group: string | null;
  search: string;
  /** More pages to load: a user not shown may be on one of them. */
  hasNext: boolean;
}

export interface AppliedUsers extends UsersPage {
  mark: 'insert' | 'update' | null;
}

/** Whether the user belongs in the list the page shows. */
export function inView(user: User, view: UsersView): boolean {
  return (!view.group || user.groups.includes(view.group)) && (!view.search || user.email.toLowerCase().includes(view.search.toLowerCase()));
}

export function applyUserChange(page: UsersPage, op: ChangeOp, user: User, view: UsersView, gone: Set<string>): AppliedUsers {
  const shown = page.users.find((u) => u.id === user.id);
  const all = (d: number) => (page.allTotal === null ? null : Math.max(0, page.allTotal + d));
  const filtered = !!view.group || !!view.search;
  if (op === 'DELETE') {
    if (gone.has(user.id)) return { ...page, mark: null };
    gone.add(user.id);
    const counted = shown || !filtered; // a user not shown in a filtered list may not have been in it
    return { users: page.users.filter((u) => u !== shown), total: counted ? Math.max(0, page.total - 1) : page.total, allTotal: all(-1), mark: null };
  }
  const belongs = inView(user, view);
  const allTotal = op === 'INSERT' && !shown ? all(1) : page.allTotal;
  if (belongs && shown) {
    return { users: page.users.map((u) => (u === shown ? user : u)), total: page.total, allTotal, mark: op === 'INSERT' ? 'insert' : 'update' };
  }
  if (belongs && (op === 'INSERT' || !view.hasNext)) {
    return { users: [user, ...page.users], total: page.total + 1, allTotal, mark: op === 'INSERT' ? 'insert' : 'update' };
  }
  if (!belongs && shown) {
    return { users: page.users.filter((u) => u !== shown), total: Math.max(0, page.total - 1), allTotal, mark: null };
  }
  return { ...page, allTotal, mark: null };
}
