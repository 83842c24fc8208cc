/**
 * The Bantz app's shell: the screens behind a bottom tab bar (phone first), the offline banner,
 * the unread badge, and the service worker that lets the app open without a network.
 */

import { isOwner, onSignedOut, signOut, token } from './api';
import { chatScreen, flushOutbox } from './chat';
import { devicesScreen } from './devices';
import { h, replace } from './dom';
import { lang, t } from './i18n';
import type { Key } from './i18n';
import { inboxScreen } from './inbox';
import { onInboxChange, start, stop, unreadCount } from './live';
import { pairScreen } from './pair';
import { skillsScreen } from './skills';

type Route = 'chat' | 'inbox' | 'skills' | 'devices';
const ROUTES: [Route, Key][] = [
  ['chat', 'navChat'],
  ['inbox', 'navInbox'],
  ['skills', 'navSkills'],
  ['devices', 'navDevices'],
];

document.documentElement.lang = lang;
document.title = t('appName');

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('tabs') as HTMLElement;
const banner = document.getElementById('offline') as HTMLElement;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;
nav.setAttribute('aria-label', t('navLabel'));
let dispose: (() => void) | null = null;
let pairReason = '';

function route(): Route {
  const name = location.hash.replace(/^#\/?/, '');
  return (ROUTES.find(([r]) => r === name)?.[0] ?? 'chat') as Route;
}

function renderNav(): void {
  const current = route();
  const visible = ROUTES.filter(([r]) => r !== 'devices' || isOwner());
  replace(
    nav,
    h(
      'ul',
      {},
      ...visible.map(([r, label]) => {
        const unread = r === 'inbox' ? unreadCount() : 0;
        return h(
          'li',
          {},
          h(
            'a',
            { href: `#/${r}`, 'aria-current': r === current ? 'page' : undefined, 'data-route': r },
            t(label),
            unread > 0 ? h('span', { class: 'badge count', 'aria-hidden': 'true' }, String(unread)) : null,
            unread > 0 ? h('span', { class: 'visually-hidden' }, ` (${t('inboxUnread', { n: unread })})`) : null,
          ),
        );
      }),
    ),
  );
}

function render(): void {
  dispose?.();
  dispose = null;
  if (token() === null) {
    nav.hidden = true;
    signOutButton.hidden = true;
    stop();
    replace(main, pairScreen(pairReason, () => {
      pairReason = '';
      location.hash = '#/chat';
      render();
    }));
    main.dataset.screen = 'pair';
    return;
  }
  nav.hidden = false;
  signOutButton.hidden = false;
  start();
  const current = route();
  main.dataset.screen = current;
  switch (current) {
    case 'chat':
      replace(main, chatScreen());
      break;
    case 'inbox': {
      const screen = inboxScreen();
      dispose = screen.dispose;
      replace(main, screen.el);
      break;
    }
    case 'skills':
      replace(main, skillsScreen());
      break;
    case 'devices':
      replace(main, devicesScreen());
      break;
  }
  renderNav();
}

function showOnline(): void {
  banner.hidden = navigator.onLine;
  banner.textContent = navigator.onLine ? '' : t('offline');
  document.body.classList.toggle('is-offline', !navigator.onLine);
}

signOutButton.textContent = t('signOut');
signOutButton.addEventListener('click', () => signOut());
onSignedOut((reason) => {
  pairReason = reason;
  render();
});
onInboxChange(() => {
  if (token() !== null) renderNav();
});
window.addEventListener('hashchange', render);
window.addEventListener('online', () => {
  showOnline();
  flushOutbox();
});
window.addEventListener('offline', showOnline);
showOnline();
render();

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => {
    // Without a service worker the app still works; it just does not open offline.
  });
}

// The moment the first screen is usable, in the browser's own clock (`cargo xtask bench app`).
performance.mark('bantz:interactive');
