/**
 * The skills screen: each skill's status, calls, errors, latency and last error; what it asks
 * for next to what it was granted; enable and disable; and, for the owner, uploading a `.wasm`
 * and following it from `loading` to `active` or `failed` with the reason.
 */

import { disableSkill, enableSkill, listSkills, uploadSkillFile } from '@bantz/client';
import type { Granted, Requested, SkillInfo } from '@bantz/client';
import { call, isOwner, sentence } from './api';
import { h, replace } from './dom';
import { t, when } from './i18n';
import type { Key } from './i18n';

/** The host's cap on an uploaded skill file (`PUT /api/v1/skills/{name}/file`). */
const MAX_SKILL_FILE_BYTES = 16 * 1024 * 1024;

export function skillsScreen(): HTMLElement {
  const list = h('div', { class: 'cards', 'aria-live': 'polite' });
  void refresh(list);
  return h(
    'section',
    { class: 'screen', 'aria-labelledby': 'skills-title' },
    h('h1', { id: 'skills-title' }, t('skillsTitle')),
    isOwner() ? uploadForm(list) : null,
    list,
  );
}

async function refresh(list: HTMLElement): Promise<SkillInfo[]> {
  try {
    const skills = await call(listSkills());
    replace(list, ...skills.map((s) => card(s, list)));
    return skills;
  } catch (error) {
    replace(list, h('p', { class: 'error', role: 'alert' }, sentence(error)));
    return [];
  }
}

function statusBadge(status: SkillInfo['status']): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(`status_${status}` as Key));
}

function permissions(p: Granted | Requested): string {
  const parts: string[] = [];
  if (p.outbound_hosts.length > 0) parts.push(`${t('skillsHosts')}: ${p.outbound_hosts.join(', ')}`);
  if (p.notify) parts.push(t('skillsNotify'));
  if (p.schedule_seconds) parts.push(t('skillsSchedule', { s: p.schedule_seconds }));
  return parts.length > 0 ? parts.join(' · ') : t('skillsNothing');
}

function card(s: SkillInfo, list: HTMLElement): HTMLElement {
  const id = `skill-${s.source.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const provides = s.version !== '';
  const toggle = provides
    ? h(
        'button',
        { type: 'button', class: s.status === 'disabled' ? 'primary' : 'secondary', 'aria-describedby': `${id}-name` },
        s.status === 'disabled' ? t('skillsEnable') : t('skillsDisable'),
      )
    : null;
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  toggle?.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      const path = { name: s.name };
      await call(s.status === 'disabled' ? enableSkill({ path }) : disableSkill({ path }));
      await refresh(list);
    } catch (error) {
      problem.textContent = sentence(error);
      problem.hidden = false;
      toggle.disabled = false;
    }
  });
  const notGranted = s.requested.not_granted_hosts;
  return h(
    'article',
    { class: 'card skill', id, 'data-skill': s.name, 'data-status': s.status },
    h('div', { class: 'bar' }, h('h2', { id: `${id}-name` }, s.name), statusBadge(s.status), toggle),
    s.description ? h('p', {}, s.description) : null,
    h(
      'dl',
      { class: 'stats' },
      ...stat(t('skillsCalls'), s.invocations),
      ...stat(t('skillsErrors'), s.errors),
      ...stat(t('skillsTimeouts'), s.timeouts),
      ...stat(t('skillsP50'), `${s.latency_p50_ms} ms`),
      ...stat(t('skillsP99'), `${s.latency_p99_ms} ms`),
    ),
    s.error ? h('p', { class: 'error' }, `${t('skillsError')}: ${s.error}`) : null,
    s.last_error
      ? h('p', { class: 'muted small' }, `${t('skillsLastError')} (${when(s.last_error.at_ms)}): ${s.last_error.message}`)
      : null,
    provides
      ? h(
          'dl',
          { class: 'grants' },
          h('dt', {}, t('skillsAsks')),
          h('dd', {}, permissions(s.requested)),
          h('dt', {}, t('skillsGranted')),
          h('dd', {}, permissions(s.permissions)),
        )
      : null,
    notGranted.length > 0
      ? h('p', { class: 'muted small' }, t('skillsNotGranted', { hosts: notGranted.join(', '), line: s.requested.grant_with ?? '' }))
      : null,
    problem,
  );
}

function stat(label: string, value: string | number): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, String(value))];
}

function uploadForm(list: HTMLElement): HTMLElement {
  const file = h('input', { type: 'file', id: 'skill-file', name: 'skill-file', accept: '.wasm,application/wasm' });
  const progress = h('p', { class: 'upload-status', role: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card upload', 'aria-labelledby': 'upload-title' },
    h('h2', { id: 'upload-title' }, t('skillsUpload')),
    h('label', { for: 'skill-file' }, t('skillsUploadFile')),
    file,
    h('button', { type: 'submit', class: 'primary' }, t('skillsUploadSubmit')),
    progress,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    const show = (text: string, state: string): void => {
      progress.textContent = text;
      progress.dataset.state = state;
    };
    if (!chosen || !chosen.name.endsWith('.wasm')) {
      show(t('skillsNotWasmName'), 'error');
      return;
    }
    if (chosen.size > MAX_SKILL_FILE_BYTES) {
      const size = (chosen.size / (1024 * 1024)).toFixed(1);
      show(t('skillsTooBig', { file: chosen.name, size }), 'error');
      return;
    }
    const name = chosen.name.replace(/\.wasm$/, '');
    show(t('skillsUploading', { file: chosen.name }), 'uploading');
    try {
      const written = await call(uploadSkillFile({ path: { name }, body: chosen }));
      show(t('skillsLoading', { file: written.source }), 'loading');
      await follow(written.source, written.sha256, list, show);
    } catch (error) {
      show(sentence(error), 'error');
    }
  });
  return form;
}

/** Follows an uploaded file until it is `active` or `failed`, refreshing the list each time. */
async function follow(
  source: string,
  sha256: string,
  list: HTMLElement,
  show: (text: string, state: string) => void,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const skills = await refresh(list);
    const skill = skills.find((s) => s.source === source);
    // A file that replaced a working version may fail while the old one keeps serving: then
    // the old version's status stays, with the new file's error beside it.
    if (skill && (skill.status === 'failed' || (skill.error && skill.sha256 !== sha256))) {
      show(t('skillsFailed', { file: source, reason: skill.error ?? '' }), 'failed');
      return;
    }
    if (skill && skill.sha256 === sha256 && skill.status !== 'loading') {
      show(t('skillsActive', { file: source }), 'active');
      return;
    }
    // The host loads the file on its own; ask again shortly.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
