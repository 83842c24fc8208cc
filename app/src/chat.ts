/**
 * The chat screen: the answer streams in (tool chips first, then the text as it is made), a
 * question that needs a yes or no gets two buttons, and the saved conversations can be opened
 * and deleted. A message typed while offline waits in an outbox and is sent once, when the
 * connection is back.
 */

import { chatStream, deleteConversation, listConversationMessages, listConversations } from '@bantz/client';
import type { ChatRequest, ChatResponse, ErrorBody, Message } from '@bantz/client';
import { ApiError, apiError, call, keepingErrors, networkError, sentence } from './api';
import { h, replace } from './dom';
import { t, when } from './i18n';

const SESSION_KEY = 'bantz.session';
const OUTBOX_KEY = 'bantz.outbox';

/** A message waiting for the network: sent once, then removed. */
interface Queued {
  message: string;
  session_id?: string;
}

let log: HTMLElement | null = null;
let busy = false;

function session(): string | undefined {
  return localStorage.getItem(SESSION_KEY) ?? undefined;
}

function setSession(id: string | undefined): void {
  if (id) localStorage.setItem(SESSION_KEY, id);
  else localStorage.removeItem(SESSION_KEY);
}

export function chatScreen(): HTMLElement {
  const input = h('textarea', {
    id: 'message',
    name: 'message',
    rows: 1,
    maxlength: 4000,
    placeholder: t('chatPlaceholder'),
    autocomplete: 'off',
    enterkeyhint: 'send',
  });
  const form = h(
    'form',
    { class: 'composer', 'aria-label': t('chatMessage') },
    h('label', { for: 'message', class: 'visually-hidden' }, t('chatMessage')),
    input,
    h('button', { type: 'submit', class: 'primary' }, t('chatSend')),
  );
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void send({ message: text, session_id: session() });
  });

  log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t('chatTitle') });
  const list = h('div', { class: 'conversations', hidden: true });
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', class: 'secondary' }, t('chatConversations'));
  toggle.addEventListener('click', () => {
    const open = list.hidden;
    list.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) void showConversations(list);
  });
  const fresh = h('button', { type: 'button', class: 'secondary' }, t('chatNew'));
  fresh.addEventListener('click', () => {
    setSession(undefined);
    list.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    void showHistory();
  });

  void showHistory();
  flushOutbox();
  return h(
    'section',
    { class: 'screen chat', 'aria-labelledby': 'chat-title' },
    h('div', { class: 'bar' }, h('h1', { id: 'chat-title' }, t('chatTitle')), toggle, fresh),
    list,
    log,
    form,
  );
}

async function showConversations(list: HTMLElement): Promise<void> {
  try {
    const conversations = await call(listConversations());
    if (conversations.length === 0) {
      replace(list, h('p', { class: 'muted' }, t('chatNoConversations')));
      return;
    }
    replace(
      list,
      h(
        'ul',
        { 'aria-label': t('chatConversations') },
        ...conversations.map((c) => {
          const open = h('button', { type: 'button', class: 'link' }, c.last_message.text || c.id);
          open.addEventListener('click', () => {
            setSession(c.id);
            list.hidden = true;
            void showHistory();
          });
          const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `${t('chatDelete')}: ${c.last_message.text}` }, t('chatDelete'));
          remove.addEventListener('click', async () => {
            try {
              await call(deleteConversation({ path: { id: c.id } }));
              if (session() === c.id) {
                setSession(undefined);
                void showHistory();
              }
              await showConversations(list);
              say(t('chatDeleted'));
            } catch (error) {
              say(sentence(error), true);
            }
          });
          return h(
            'li',
            { class: 'conversation' },
            open,
            h('span', { class: 'muted small' }, `${when(c.updated_at_ms)} · ${t('chatMessages', { n: c.message_count })}`),
            remove,
          );
        }),
      ),
    );
  } catch (error) {
    replace(list, h('p', { class: 'error', role: 'alert' }, sentence(error)));
  }
}

async function showHistory(): Promise<void> {
  if (!log) return;
  const id = session();
  replace(log);
  if (!id) {
    log.append(h('p', { class: 'muted hint' }, t('chatEmpty')));
    return;
  }
  try {
    const messages = await call(listConversationMessages({ path: { id } }));
    for (const m of messages) log.append(bubble(m));
  } catch (error) {
    if (error instanceof ApiError && error.code === 'CONVERSATION_NOT_FOUND') {
      setSession(undefined);
      log.append(h('p', { class: 'muted hint' }, t('chatEmpty')));
    } else {
      say(sentence(error), true);
    }
  }
  scroll();
}

function bubble(m: Message): HTMLElement {
  const mine = m.role === 'user';
  return h(
    'div',
    { class: `bubble ${mine ? 'mine' : 'theirs'}` },
    h('span', { class: 'visually-hidden' }, `${mine ? t('chatYou') : t('chatBantz')}: `),
    chips(m.tools_used),
    h('p', { class: 'text' }, m.text),
  );
}

function chips(tools: string[]): HTMLElement | null {
  if (tools.length === 0) return null;
  return h(
    'ul',
    { class: 'chips', 'aria-label': t('chatTools') },
    ...tools.map((name) => h('li', { class: 'chip' }, name)),
  );
}

/** A line of the app's own in the log: a notice, or an error as a sentence. */
function say(text: string, error = false): void {
  log?.append(h('p', { class: error ? 'error' : 'notice', role: error ? 'alert' : 'status' }, text));
  scroll();
}

function scroll(): void {
  log?.lastElementChild?.scrollIntoView({ block: 'end' });
}

/** Sends a message (or a yes/no) and shows the answer as it streams in. */
async function send(request: ChatRequest): Promise<void> {
  if (!navigator.onLine) {
    queue({ message: request.message, session_id: request.session_id });
    return;
  }
  if (busy) {
    queue({ message: request.message, session_id: request.session_id });
    return;
  }
  busy = true;
  try {
    await stream(request);
  } finally {
    busy = false;
  }
  flushOutbox();
}

async function stream(request: ChatRequest): Promise<void> {
  if (!log) return;
  log.querySelector('.hint')?.remove();
  // A new message answers (or moves past) any question still waiting: its buttons go.
  for (const stale of log.querySelectorAll('.confirm')) stale.remove();
  if (request.confirm === undefined) {
    log.append(bubble({ role: 'user', text: request.message, tools_used: [], created_at_ms: Date.now() }));
  }
  const text = h('p', { class: 'text' });
  const tools = h('ul', { class: 'chips', 'aria-label': t('chatTools') });
  const answer = h('div', { class: 'bubble theirs streaming', 'aria-busy': 'true' }, h('span', { class: 'visually-hidden' }, `${t('chatBantz')}: `), tools, text);
  log.append(answer);
  scroll();

  const seen: { status: number; body?: unknown } = { status: 0 };
  let finished = false;
  try {
    const { stream } = await chatStream({
      body: request,
      sseMaxRetryAttempts: 1,
      fetch: keepingErrors(seen),
      onSseEvent: (event) => {
        const data = event.data as unknown;
        switch (event.event) {
          case 'tool':
            tools.append(h('li', { class: 'chip' }, (data as { name: string }).name));
            break;
          case 'delta':
            text.append((data as { text: string }).text);
            break;
          case 'confirm':
            answer.after(confirmButtons((data as { prompt: string }).prompt));
            break;
          case 'done': {
            finished = true;
            const done = data as ChatResponse;
            text.textContent = done.response;
            setSession(done.session_id);
            break;
          }
          case 'error': {
            finished = true;
            const body = data as ErrorBody;
            answer.remove();
            say(apiError(200, body).message, true);
            break;
          }
        }
        scroll();
      },
    });
    for await (const _ of stream) {
      // onSseEvent above sees each event with its name.
    }
  } catch {
    // Reported below.
  }
  answer.classList.remove('streaming');
  answer.removeAttribute('aria-busy');
  if (!finished) {
    answer.remove();
    say((seen.status >= 400 ? apiError(seen.status, seen.body) : networkError()).message, true);
  }
}

function confirmButtons(prompt: string): HTMLElement {
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': prompt });
  const answer = (yes: boolean) => async () => {
    box.remove();
    await send({ message: yes ? t('chatYesWord') : t('chatNoWord'), confirm: yes, session_id: session() });
  };
  box.append(
    h('button', { type: 'button', class: 'primary', onclick: answer(true) as unknown as EventListener }, t('chatYes')),
    h('button', { type: 'button', class: 'secondary', onclick: answer(false) as unknown as EventListener }, t('chatNo')),
  );
  return box;
}

function outbox(): Queued[] {
  try {
    return JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? '[]') as Queued[];
  } catch {
    return [];
  }
}

function queue(item: Queued): void {
  localStorage.setItem(OUTBOX_KEY, JSON.stringify([...outbox(), item]));
  log?.querySelector('.hint')?.remove();
  log?.append(h('div', { class: 'bubble mine pending' }, h('p', { class: 'text' }, item.message), h('p', { class: 'small muted' }, t('chatPending'))));
  scroll();
}

/**
 * Sends what waited, each message once: it leaves the outbox before it is sent, so a second
 * `online` event (or a reload) cannot send it again.
 */
export function flushOutbox(): void {
  if (busy || !navigator.onLine || !log) return;
  const [next, ...rest] = outbox();
  if (!next) return;
  localStorage.setItem(OUTBOX_KEY, JSON.stringify(rest));
  log.querySelector('.pending')?.remove();
  void send({ message: next.message, session_id: next.session_id ?? session() });
}

window.addEventListener('online', () => flushOutbox());
