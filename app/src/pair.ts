/**
 * The pairing screen: a new phone asks for a code, which reaches the owner only (`bantz pair`,
 * the server log, or a notification on a paired device); the owner's code, typed here, gives
 * the phone its own token. The owner can also sign in with the master token.
 */

import { askForPairingCode, verifyPairingCode, whoAmI } from '@bantz/client';
import { call, sentence, signIn, signOut } from './api';
import { h } from './dom';
import { t } from './i18n';

export function pairScreen(reason: string, done: () => void): HTMLElement {
  const status = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' }, reason);
  const ask = h('button', { type: 'button', class: 'secondary' }, t('pairAsk'));
  ask.addEventListener('click', async () => {
    ask.disabled = true;
    try {
      const asked = await call(askForPairingCode());
      status.textContent = t('pairAsked', { min: Math.round(asked.expires_in_seconds / 60) });
      code.focus();
    } catch (error) {
      status.textContent = sentence(error);
    } finally {
      ask.disabled = false;
    }
  });

  const code = h('input', {
    id: 'pair-code',
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
    required: true,
  });
  const name = h('input', { id: 'pair-name', name: 'device_name', maxlength: 64, required: true, value: t('pairDefaultName') });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'pair-title' },
    h('h1', { id: 'pair-title' }, t('pairTitle')),
    h('p', {}, ...withCode(t('pairIntro'))),
    ask,
    h('label', { for: 'pair-code' }, t('pairCode')),
    code,
    h('label', { for: 'pair-name' }, t('pairName')),
    name,
    h('button', { type: 'submit', class: 'primary' }, t('pairSubmit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const paired = await call(verifyPairingCode({ body: { code: code.value.trim(), device_name: name.value.trim() } }));
      signIn(paired.token, 'device');
      done();
    } catch (error) {
      status.textContent = sentence(error);
    }
  });

  const token = h('input', { id: 'owner-token', name: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const owner = h(
    'form',
    { class: 'card owner' },
    h('h2', {}, t('ownerTitle')),
    h('p', { class: 'muted small' }, t('ownerIntro')),
    h('label', { for: 'owner-token' }, t('ownerToken')),
    token,
    h('button', { type: 'submit', class: 'secondary' }, t('ownerSubmit')),
  );
  owner.addEventListener('submit', async (event) => {
    event.preventDefault();
    signIn(token.value.trim(), 'device');
    try {
      const me = await call(whoAmI());
      signIn(token.value.trim(), me.kind);
      done();
    } catch (error) {
      signOut();
      status.textContent = sentence(error);
    }
  });

  return h('section', { class: 'screen pair' }, status, form, h('details', {}, h('summary', {}, t('ownerTitle')), owner));
}

/** Text with `backticks` shown as code. */
function withCode(text: string): (string | HTMLElement)[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? h('code', {}, part) : part));
}
