// The app's flow in a real browser: Debian's Chromium, driven by playwright-core, against the
// real binary that tests/tests/app.rs started. A phone (Turkish) and the owner (English):
//   the owner signs in with the master token; the phone asks for a pairing code, the owner sees
//   it arrive live and the phone pairs with it; the phone chats and sees the answer stream in,
//   confirms a calendar add with the Yes button, gets a reminder live, lists and deletes a
//   conversation, opens offline and sends a message that goes out once when it is back online,
//   and gets the reminder that fired while it was offline (the stream resumes); the owner
//   disables a skill, uploads one and sees it go active (and two bad uploads turn into
//   sentences), and revokes the phone, which lands on pairing.
// axe-core checks every screen (no serious or critical violation) and every screen is
// photographed at phone size into $SCREENSHOTS.
//
// Environment: BANTZ_URL, BANTZ_TOKEN (the master token), CHROMIUM, SCREENSHOTS (a folder),
// UPLOAD_SKILL (a .wasm the owner uploads).
// Every wait is on a condition in the page, never on a fixed sleep.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`flow.mjs needs ${name}`);
  return value;
};
const base = need('BANTZ_URL');
const master = need('BANTZ_TOKEN');
const shots = need('SCREENSHOTS');
const upload = need('UPLOAD_SKILL');
const phoneSize = { width: 390, height: 844 };
const started = Date.now();

function step(text) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const problems = [];

/** A context at phone size in `locale`, failing the flow on any page error or CSP violation. */
async function phoneContext(browser, locale) {
  const context = await browser.newContext({
    viewport: phoneSize,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale,
    serviceWorkers: 'allow',
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`${locale} page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to/.test(text)) problems.push(`${locale} CSP: ${text}`);
  });
  return { context, page };
}

/** axe-core on the page as it is: no serious or critical violation. */
async function axe(page, screen) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = result.filter((v) => !bad.includes(v));
  step(`axe ${screen}: ${bad.length} serious or critical, ${minor.length} minor${minor.length ? ` (${minor.map((v) => v.id).join(', ')})` : ''}`);
  check(bad.length === 0, `axe-core on ${screen}: ${JSON.stringify(bad, null, 2)}`);
}

async function shoot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** The master token's own view of the API, to check what the app did. */
async function api(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${master}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  check(response.ok, `${path}: ${response.status}`);
  return response.json();
}

/** Asks `look` until it answers true, for at most `limit` ms. */
async function until(what, look, limit = 90_000) {
  const end = Date.now() + limit;
  while (!(await look())) {
    check(Date.now() < end, `gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function send(page, text) {
  const before = await page.locator('.bubble.theirs').count();
  await page.locator('#message').fill(text);
  await page.locator('#message').press('Enter');
  return before;
}

/** Waits for the answer after `before` answers, and returns it, with how it streamed. */
async function answer(page, before) {
  const bubble = page.locator('.bubble.theirs').nth(before);
  await bubble.waitFor();
  await page.waitForFunction((n) => {
    const b = document.querySelectorAll('.bubble.theirs')[n];
    return b && !b.classList.contains('streaming');
  }, before);
  return {
    text: (await bubble.locator('.text').textContent()) ?? '',
    chips: await bubble.locator('.chip').allTextContents(),
  };
}

const browser = await chromium.launch({
  executablePath: need('CHROMIUM'),
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const owner = await phoneContext(browser, 'en-US');
  const phone = await phoneContext(browser, 'tr-TR');
  const o = owner.page;
  const p = phone.page;

  step('the owner opens the app and signs in with the master token');
  await o.goto(`${base}/`);
  await o.locator('main[data-screen="pair"]').waitFor();
  await o.getByText('Owner sign-in', { exact: true }).first().click();
  await o.locator('#owner-token').fill(master);
  await o.getByRole('button', { name: 'Sign in' }).click();
  await o.locator('main[data-screen="chat"]').waitFor();
  await o.getByRole('link', { name: /Inbox/ }).click();
  await o.locator('.live-state[data-connected="true"]').waitFor();

  step('the phone asks for a pairing code');
  await p.goto(`${base}/app/`);
  await p.locator('main[data-screen="pair"]').waitFor();
  check((await p.locator('html').getAttribute('lang')) === 'tr', 'the phone speaks Turkish');
  await axe(p, 'pairing');
  await p.getByRole('button', { name: 'Kod iste' }).click();
  await p.getByText('Kod sahibine gönderildi').waitFor();

  step('the owner sees the code arrive live, with the badge');
  const codeNote = o.locator('.note[data-type="system.pairing.code"]').first();
  await codeNote.waitFor();
  const code = (await codeNote.textContent()).match(/\b(\d{6})\b/)?.[1];
  check(code, 'the pairing notification shows a six-digit code');
  await o.locator('a[data-route="inbox"] .badge').waitFor();
  await axe(o, 'inbox');
  await shoot(o, 'inbox');

  step(`the phone pairs with ${code}`);
  await p.locator('#pair-code').fill(code);
  await p.locator('#pair-name').fill("Ayşe'nin telefonu");
  await shoot(p, 'pairing');
  await p.getByRole('button', { name: 'Eşleştir' }).click();
  await p.locator('main[data-screen="chat"]').waitFor();
  check((await p.evaluate(() => localStorage.getItem('bantz.kind'))) === 'device', 'the phone holds a device token');

  step('chat: the answer streams in with its tool chip');
  // Count the answer's changes while it is made: a streamed answer is seen in pieces.
  await p.evaluate(() => {
    window.__streamed = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.target.closest?.('.bubble.streaming') || r.target.parentElement?.closest('.bubble.streaming')) window.__streamed++;
    }).observe(document.getElementById('main'), { subtree: true, childList: true, characterData: true });
  });
  let n = await send(p, 'saat kaç?');
  let reply = await answer(p, n);
  check(reply.chips.includes('clock.now'), `the clock answered: ${JSON.stringify(reply)}`);
  check(/Saat \d{1,2}[:.]\d{2}/.test(reply.text), `the answer tells the time: ${reply.text}`);
  check((await p.evaluate(() => window.__streamed)) >= 2, 'the answer arrived as a stream of events');

  step('chat: a calendar add asks first, and the Yes button confirms it');
  n = await send(p, "yarın 15:00'te dişçi randevusu ekle");
  const confirm = p.locator('.confirm');
  await confirm.waitFor();
  const prompt = await confirm.getAttribute('aria-label');
  check(/Dişçi randevusu/i.test(prompt ?? ''), `the prompt names the event: ${prompt}`);
  await answer(p, n);
  await axe(p, 'chat with a confirmation');
  await shoot(p, 'chat');
  await confirm.getByRole('button', { name: 'Evet' }).click();
  reply = await answer(p, n + 1);
  check(reply.chips.includes('calendar.add'), `the Yes ran calendar.add: ${JSON.stringify(reply)}`);

  step('a reminder arrives live: the badge on the inbox tab counts it, then the inbox shows it');
  const badge = () => Number(document.querySelector('a[data-route="inbox"] .badge')?.textContent ?? '0');
  const unreadBefore = await p.evaluate(badge);
  n = await send(p, '2 saniye sonra çayı hatırlat');
  reply = await answer(p, n);
  check(reply.chips.includes('reminders.add'), `the reminder was set: ${JSON.stringify(reply)}`);
  await p.waitForFunction((before) => Number(document.querySelector('a[data-route="inbox"] .badge')?.textContent ?? '0') > before, unreadBefore, { timeout: 90_000 });
  await p.getByRole('link', { name: /Gelen/ }).click();
  const reminder = p.locator('.note[data-type="skill.reminders.reminder"]').first();
  await reminder.waitFor();
  check((await reminder.getAttribute('class')).includes('unread'), 'the reminder is unread');
  await reminder.getByRole('button', { name: /Okundu say/ }).click();
  await p.locator('.note.read[data-type="skill.reminders.reminder"]').first().waitFor();
  const unread = await api('/api/v1/notifications/history?unread=true&types=skill.reminders');
  check(unread.length === 0, 'the read state reached the host');
  await axe(p, 'inbox (phone)');
  // System notifications were never asked for on load: the button is still there, and only
  // a tap on it asks.
  check((await p.evaluate(() => Notification.permission)) === 'default', 'nothing asked for notifications by itself');
  await phone.context.grantPermissions(['notifications'], { origin: base });
  await p.getByRole('button', { name: 'Sistem bildirimlerini göster' }).click();
  await p.getByText('Sistem bildirimleri açık.').waitFor();

  step('conversations: listed with their history, and deleted');
  await p.getByRole('link', { name: /Sohbet/ }).click();
  await p.locator('.bubble.mine').first().waitFor();
  const history = await p.locator('.bubble').count();
  check(history >= 4, `the conversation's history is shown again (${history} messages)`);
  await p.getByRole('button', { name: 'Sohbetler' }).click();
  await p.locator('.conversation').first().waitFor();
  await axe(p, 'conversations');
  await shoot(p, 'conversations');
  const conversations = (await api('/api/v1/conversations')).length;
  await p.locator('.conversation').first().getByRole('button', { name: /Sil/ }).click();
  await p.getByText('Sohbet silindi.').waitFor();
  check((await api('/api/v1/conversations')).length === conversations - 1, 'the conversation was deleted on the host');

  step('offline: the app opens from its service worker, and a message goes out once when back');
  await p.waitForFunction(() => navigator.serviceWorker?.controller !== null);
  await phone.context.setOffline(true);
  await p.reload();
  await p.locator('#offline:not([hidden])').waitFor();
  await p.locator('main[data-screen="chat"]').waitFor();
  await p.locator('#message').fill('bugün günlerden ne?');
  await p.locator('#message').press('Enter');
  await p.locator('.bubble.pending').waitFor();
  await axe(p, 'offline');
  await shoot(p, 'offline');
  // A reminder fires while the phone has no connection at all: the stream must replay it.
  const reminders = async () => (await api('/api/v1/notifications/history?types=skill.reminders')).length;
  const firedBefore = await reminders();
  await api('/api/v1/chat', { message: '1 saniye sonra suyu hatırlat' });
  await until('the reminder fired on the host', async () => (await reminders()) > firedBefore);
  const lastSeen = await p.evaluate(() => localStorage.getItem('bantz.lastNotificationId'));
  const resumed = p.waitForRequest((request) => {
    const url = new URL(request.url());
    return url.pathname === '/api/v1/notifications' && url.searchParams.get('last_event_id') === lastSeen;
  });
  await phone.context.setOffline(false);
  await resumed;
  await p.locator('#offline[hidden]').waitFor({ state: 'attached' });
  await p.locator('.bubble.pending').waitFor({ state: 'detached' });
  await p.waitForFunction(() => {
    const answers = document.querySelectorAll('.bubble.theirs');
    return answers.length > 0 && !answers[answers.length - 1].classList.contains('streaming');
  });
  // A second "online" must not send it again.
  await p.evaluate(() => window.dispatchEvent(new Event('online')));
  const session = await p.evaluate(() => localStorage.getItem('bantz.session'));
  const messages = await api(`/api/v1/conversations/${session}/messages`);
  const sent = messages.filter((m) => m.role === 'user' && m.text === 'bugün günlerden ne?');
  check(sent.length === 1, `the offline message was sent exactly once (${sent.length})`);
  check((await p.evaluate(() => localStorage.getItem('bantz.outbox'))) === '[]', 'the outbox is empty');
  await p.getByRole('link', { name: /Gelen/ }).click();
  await p.waitForFunction((count) => document.querySelectorAll('.note[data-type="skill.reminders.reminder"]').length === count, firedBefore + 1);
  step(`the stream resumed after id ${lastSeen}, and the reminder that fired offline is in the inbox`);

  step('skills: the owner disables calendar');
  await o.getByRole('link', { name: 'Skills' }).click();
  const calendar = o.locator('article[data-skill="calendar"]');
  await calendar.waitFor();
  check((await calendar.getByText('Asks for').count()) === 1, 'requested permissions are shown');
  await calendar.getByRole('button', { name: 'Disable' }).click();
  await o.locator('article[data-skill="calendar"][data-status="disabled"]').waitFor();
  const status = (await api('/api/v1/skills/calendar')).status;
  check(status === 'disabled', `calendar is disabled on the host: ${status}`);

  step('chat: an error is a sentence in the phone\'s language, not a code');
  await p.getByRole('link', { name: /Sohbet/ }).click();
  n = await send(p, "yarın 10:00'da toplantı ekle");
  await p.locator('.confirm').waitFor();
  await answer(p, n);
  await p.locator('.confirm').getByRole('button', { name: 'Evet' }).click();
  const failure = p.locator('.log .error').last();
  await failure.waitFor();
  const said = await failure.textContent();
  check(/kapalı/.test(said) && !/[A-Z]{4,}_[A-Z]+/.test(said), `a disabled skill's error is a Turkish sentence: ${said}`);

  step('skills: bad uploads are refused with sentences');
  const fileInput = o.locator('#skill-file');
  const uploadState = o.locator('.upload-status');
  await fileInput.setInputFiles({ name: 'notwasm.wasm', mimeType: 'application/wasm', buffer: Buffer.from('hello, not a component') });
  await o.getByRole('button', { name: 'Upload' }).click();
  await o.locator('.upload-status[data-state="error"]').waitFor();
  const notWasm = await uploadState.textContent();
  check(/not a WebAssembly skill/.test(notWasm) && !/NOT_WASM/.test(notWasm), `a non-wasm upload is a sentence: ${notWasm}`);
  await fileInput.setInputFiles({ name: 'huge.wasm', mimeType: 'application/wasm', buffer: Buffer.alloc(16 * 1024 * 1024 + 1) });
  await o.getByRole('button', { name: 'Upload' }).click();
  await o.getByText(/at most 16 MiB/).waitFor();

  step('skills: the owner uploads a skill and sees it go active');
  await fileInput.setInputFiles(upload);
  await o.getByRole('button', { name: 'Upload' }).click();
  await o.locator('.upload-status[data-state="active"]').waitFor({ timeout: 120_000 });
  const uploaded = upload.split('/').pop();
  check((await api('/api/v1/skills')).some((s) => s.source === uploaded && s.status === 'active'), `${uploaded} is active on the host`);
  await axe(o, 'skills');
  await o.evaluate(() => window.scrollTo(0, 0));
  await shoot(o, 'skills');

  step('devices: the owner revokes the phone, which lands on pairing');
  await o.getByRole('link', { name: 'Devices' }).click();
  const device = o.locator('.device', { hasText: "Ayşe'nin telefonu" });
  await device.waitFor();
  await axe(o, 'devices');
  await shoot(o, 'devices');
  await device.getByRole('button', { name: /Revoke/ }).click();
  await device.getByRole('button', { name: /Revoke/ }).click();
  await o.getByText("Ayşe'nin telefonu was revoked.").waitFor();
  await p.locator('main[data-screen="pair"]').waitFor();
  await p.getByText('yeniden eşleştirin').first().waitFor();
  check((await p.evaluate(() => localStorage.getItem('bantz.token'))) === null, 'the revoked token is forgotten');
  await axe(p, 'pairing after revoke');

  check(problems.length === 0, `the pages reported problems:\n${problems.join('\n')}`);
  step('the whole flow passed');
} finally {
  await browser.close();
}
