/**
 * The live notification stream and the inbox it fills. The stream resumes after the last id it
 * saw (kept on the phone), so a reminder that fired during a drop arrives when the connection is
 * back, once. System notifications are shown only after the user turned them on with a click.
 */

import { listNotifications, readAllNotifications, readNotification, streamNotifications } from '@bantz/client';
import type { Notification } from '@bantz/client';
import { ApiError, apiError, call, keepingErrors, token } from './api';

const LAST_ID_KEY = 'bantz.lastNotificationId';
const INBOX_KEY = 'bantz.inbox';
/** How many notifications the inbox shows and keeps on the phone. */
const KEEP = 100;

/** The inbox, newest first, and whether the stream is connected. */
export const inbox = {
  items: [] as Notification[],
  connected: false,
};

const listeners = new Set<() => void>();

/** Calls `listener` whenever the inbox or the connection changes. */
export function onInboxChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  // Kept on the phone too, so the inbox opens offline as it was.
  localStorage.setItem(INBOX_KEY, JSON.stringify(inbox.items.slice(0, KEEP)));
  for (const listener of listeners) listener();
}

function cached(): Notification[] {
  try {
    return JSON.parse(localStorage.getItem(INBOX_KEY) ?? '[]') as Notification[];
  } catch {
    return [];
  }
}

export function unreadCount(): number {
  return inbox.items.filter((n) => !n.read).length;
}

let running: AbortController | null = null;

/** Loads the inbox, then keeps the stream open until `stop` (or a sign-out). */
export function start(): void {
  if (running) return;
  const controller = new AbortController();
  running = controller;
  void run(controller.signal);
}

export function stop(): void {
  running?.abort();
  running = null;
  inbox.items = [];
  inbox.connected = false;
  changed();
  localStorage.removeItem(INBOX_KEY);
  localStorage.removeItem(LAST_ID_KEY);
}

function lastId(): number {
  return Number(localStorage.getItem(LAST_ID_KEY) ?? '0') || 0;
}

function add(n: Notification): void {
  if (inbox.items.some((m) => m.id === n.id)) return;
  inbox.items.unshift(n);
  inbox.items.sort((a, b) => b.id - a.id);
  if (n.id > lastId()) localStorage.setItem(LAST_ID_KEY, String(n.id));
  if (document.visibilityState === 'hidden' || !document.hasFocus()) showSystem(n);
}

function showSystem(n: Notification): void {
  if (!('Notification' in window) || window.Notification.permission !== 'granted') return;
  try {
    new window.Notification(n.title, { body: n.body, tag: `bantz-${n.id}`, silent: n.silent });
  } catch {
    // Some phones allow notifications only from the service worker; the inbox still has it.
  }
}

/**
 * The host's inbox (read state included), merged with what the stream brought since: called
 * each time the stream connects, so a phone that was away sees what another device read.
 */
async function sync(): Promise<void> {
  try {
    const history = await call(listNotifications({ query: { limit: KEEP } }));
    const newest = history.reduce((max, n) => Math.max(max, n.id), 0);
    inbox.items = [...inbox.items.filter((n) => n.id > newest), ...history];
    if (newest > lastId()) localStorage.setItem(LAST_ID_KEY, String(newest));
    changed();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) return;
  }
}

async function run(signal: AbortSignal): Promise<void> {
  let delay = 500;
  inbox.items = cached();
  changed();
  // The first start has no last id: the inbox's history gives one, so the stream starts there.
  if (lastId() === 0) await sync();
  while (!signal.aborted && token() !== null) {
    const seen: { status: number; body?: unknown } = { status: 0 };
    try {
      const { stream } = await streamNotifications({
        query: { last_event_id: lastId() },
        signal,
        sseMaxRetryAttempts: 1,
        fetch: keepingErrors(seen),
        onSseEvent: (event) => {
          if (event.event === 'connected') {
            inbox.connected = true;
            delay = 500;
            changed();
            void sync();
          } else if (event.event === 'notification') {
            add(event.data as unknown as Notification);
            changed();
          }
        },
      });
      for await (const _ of stream) {
        // Events are handled in onSseEvent, which also sees their names.
      }
    } catch {
      // A dropped connection: resume below.
    }
    inbox.connected = false;
    changed();
    if (seen.status === 401 || seen.status === 403) {
      apiError(seen.status, seen.body);
      return;
    }
    if (signal.aborted) return;
    await waitForNetwork(delay, signal);
    delay = Math.min(delay * 2, 15_000);
  }
}

/** Waits `ms`, or less when the browser says it is online again. */
function waitForNetwork(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      window.removeEventListener('online', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener('online', done);
    signal.addEventListener('abort', done);
  });
}

export async function markRead(id: number): Promise<void> {
  const updated = await call(readNotification({ path: { id } }));
  const item = inbox.items.find((n) => n.id === id);
  if (item) item.read = updated.read;
  changed();
}

export async function markAllRead(): Promise<void> {
  await call(readAllNotifications());
  for (const item of inbox.items) item.read = true;
  changed();
}

/** Asks for system notifications; only ever called from a click. */
export async function askPermission(): Promise<NotificationPermission> {
  if (!('Notification' in window)) return 'denied';
  return window.Notification.requestPermission();
}

