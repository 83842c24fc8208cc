/** The inbox screen: notifications newest first with their read state, live as they come. */

import { sentence } from './api';
import { h, replace } from './dom';
import { t, when } from './i18n';
import { askPermission, inbox, markAllRead, markRead, onInboxChange, unreadCount } from './live';

export function inboxScreen(): { el: HTMLElement; dispose: () => void } {
  const list = h('ul', { class: 'cards inbox', 'aria-label': t('inboxTitle') });
  const state = h('span', { class: 'live-state small muted', role: 'status' });
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  const fail = (error: unknown): void => {
    problem.textContent = sentence(error);
    problem.hidden = false;
  };
  const readAll = h('button', { type: 'button', class: 'secondary' }, t('inboxReadAll'));
  readAll.addEventListener('click', () => markAllRead().catch(fail));

  const permission = h('p', { class: 'small muted' });
  const allow = h('button', { type: 'button', class: 'secondary' }, t('inboxPermission'));
  const showPermission = (p: NotificationPermission | 'unsupported'): void => {
    allow.hidden = p !== 'default';
    permission.textContent = p === 'granted' ? t('inboxPermissionOn') : p === 'denied' ? t('inboxPermissionDenied') : '';
  };
  showPermission('Notification' in window ? window.Notification.permission : 'unsupported');
  // Asked only here, on the user's click: never on load.
  allow.addEventListener('click', async () => showPermission(await askPermission()));

  const render = (): void => {
    state.textContent = inbox.connected ? t('inboxLive') : t('inboxReconnecting');
    state.dataset.connected = String(inbox.connected);
    readAll.disabled = unreadCount() === 0;
    if (inbox.items.length === 0) {
      replace(list, h('li', { class: 'muted' }, t('inboxEmpty')));
      return;
    }
    replace(
      list,
      ...inbox.items.map((n) => {
        const read = h('button', { type: 'button', class: 'secondary small', 'aria-label': `${t('inboxRead')}: ${n.title}` }, t('inboxRead'));
        read.addEventListener('click', () => markRead(n.id).catch(fail));
        return h(
          'li',
          { class: `card note ${n.read ? 'read' : 'unread'}`, 'data-id': n.id, 'data-type': n.type },
          h('div', { class: 'bar' }, h('h2', {}, n.title), n.read ? null : read),
          h('p', {}, n.body),
          h('p', { class: 'muted small' }, when(n.created_at_ms)),
        );
      }),
    );
  };
  render();
  const dispose = onInboxChange(render);
  const el = h(
    'section',
    { class: 'screen', 'aria-labelledby': 'inbox-title' },
    h('div', { class: 'bar' }, h('h1', { id: 'inbox-title' }, t('inboxTitle')), state),
    h('div', { class: 'actions' }, readAll, allow),
    permission,
    problem,
    list,
  );
  return { el, dispose };
}
