/** The devices screen (owner only): each paired device with its last use, revoke, and a new code. */

import { listDevices, requestPairingCode, revokeDevice } from '@bantz/client';
import type { DeviceInfo } from '@bantz/client';
import { call, isOwner, sentence } from './api';
import { h, replace } from './dom';
import { t, when } from './i18n';

export function devicesScreen(): HTMLElement {
  const screen = h('section', { class: 'screen', 'aria-labelledby': 'devices-title' }, h('h1', { id: 'devices-title' }, t('devicesTitle')));
  if (!isOwner()) {
    screen.append(h('p', { class: 'muted' }, t('devicesOwnerOnly')));
    return screen;
  }
  const notice = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'cards devices', 'aria-label': t('devicesTitle') });
  const code = h('button', { type: 'button', class: 'secondary' }, t('devicesNewCode'));
  code.addEventListener('click', async () => {
    try {
      const made = await call(requestPairingCode());
      notice.textContent = t('devicesCode', { code: made.code, min: Math.round(made.expires_in_seconds / 60) });
    } catch (error) {
      notice.textContent = sentence(error);
    }
  });
  screen.append(code, notice, list);
  void refresh(list, notice);
  return screen;
}

async function refresh(list: HTMLElement, notice: HTMLElement): Promise<void> {
  try {
    const devices = await call(listDevices());
    if (devices.length === 0) {
      replace(list, h('li', { class: 'muted' }, t('devicesEmpty')));
      return;
    }
    replace(list, ...devices.map((d) => row(d, list, notice)));
  } catch (error) {
    notice.textContent = sentence(error);
  }
}

function row(d: DeviceInfo, list: HTMLElement, notice: HTMLElement): HTMLElement {
  const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `${t('devicesRevoke')}: ${d.name}` }, t('devicesRevoke'));
  let armed = false;
  revoke.addEventListener('click', async () => {
    // Two taps: the first asks, the second revokes; no browser dialog in the way.
    if (!armed) {
      armed = true;
      revoke.textContent = t('devicesRevokeSure', { name: d.name });
      return;
    }
    revoke.disabled = true;
    try {
      await call(revokeDevice({ path: { id: d.id } }));
      notice.textContent = t('devicesRevoked', { name: d.name });
      await refresh(list, notice);
    } catch (error) {
      notice.textContent = sentence(error);
      revoke.disabled = false;
    }
  });
  const seen = d.last_seen_ms ? t('devicesLastSeen', { when: when(d.last_seen_ms) }) : t('devicesNeverSeen');
  return h(
    'li',
    { class: 'card device', 'data-device': d.id },
    h('div', { class: 'bar' }, h('h2', {}, d.name), revoke),
    h('p', { class: 'muted small' }, `${t('devicesPaired', { when: when(d.created_at_ms) })} · ${seen}`),
  );
}
