// The shell's navigation: one entry per page, in sidebar order.
import type { Role } from '../generated/graphql';
import { canReadAudit } from './roles';

export interface NavItem {
  path: string;
  label: string;
  icon: string;
  /** Shown only to the roles it says yes to (all when absent). */
  shownTo?: (role: Role | undefined) => boolean;
}

export const NAV: NavItem[] = [
  { path: '/', label: 'Dashboard', icon: 'M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h7v7h-7z' },
  {
    path: '/routers',
    label: 'Routers',
    icon: 'M4 6h16M4 12h10M4 18h6',
  },
  {
    path: '/api',
    label: 'API',
    icon: 'M8 9l-4 3 4 3M16 9l4 3-4 3M13 6l-2 12',
  },
  {
    path: '/tests',
    label: 'Tests',
    icon: 'M9 11l3 3 8-8M20 12v7a2 2 0 01-2 2H5a2 2 0 01-2-2V5a2 2 0 012-2h11',
  },
  {
    path: '/database',
    label: 'Database',
    icon: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  },
  {
    path: '/history',
    label: 'History',
    icon: 'M12 7v5l3 2M21 12a9 9 0 11-18 0 9 9 0 0118 0z',
  },
  {
    path: '/users',
    label: 'Users',
    icon: 'M16 19v-1a4 4 0 00-4-4H7a4 4 0 00-4 4v1M9.5 10a3.5 3.5 0 100-7 3.5 3.5 0 000 7zM21 19v-1a4 4 0 00-3-3.9',
  },
  {
    path: '/files',
    label: 'Files',
    icon: 'M3 6a2 2 0 012-2h4l2 2h8a2 2 0 012 2v10a2 2 0 01-2 2H5a2 2 0 01-2-2zM3 10h18',
  },
  {
    path: '/deploy',
    label: 'Deploy',
    icon: 'M12 19V5M5 12l7-7 7 7M5 21h14',
  },
  {
    path: '/releases',
    label: 'Releases',
    icon: 'M12 8v4l3 2M3 12a9 9 0 109-9M3 4v5h5',
  },
  {
    path: '/audit',
    label: 'Audit',
    icon: 'M9 5h11M9 12h11M9 19h11M4 5h.01M4 12h.01M4 19h.01',
    shownTo: canReadAudit,
  },
  {
    path: '/settings',
    label: 'Settings',
    icon: 'M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1M15 4v4M9 10v4M17 16v4',
  },
];
