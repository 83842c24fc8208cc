/**
 * The app's one door to the host: the client generated from openapi/openapi.json, the token
 * kept on the phone, and errors turned into sentences. A 401 means the token was revoked (or
 * is wrong): the token is forgotten and the app goes back to pairing.
 */

import { client } from '@bantz/client/client.gen';
import type { CredentialKind, ErrorBody } from '@bantz/client';
import { errorSentence, t } from './i18n';

const TOKEN_KEY = 'bantz.token';
const KIND_KEY = 'bantz.kind';

// The token goes in the Authorization header only: the app's streams are fetched, not opened
// with EventSource, so it never needs the `?token=` form that would put it in URLs and logs.
client.setConfig({
  baseUrl: location.origin,
  auth: (scheme) => (scheme.in === 'query' ? undefined : (token() ?? undefined)),
});

export function token(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

/** Who this app signed in as: `master` (the owner) or `device`. */
export function kind(): CredentialKind | null {
  return localStorage.getItem(KIND_KEY) as CredentialKind | null;
}

export function isOwner(): boolean {
  const k = kind();
  return k === 'master' || k === 'local';
}

export function signIn(newToken: string, newKind: CredentialKind): void {
  localStorage.setItem(TOKEN_KEY, newToken);
  localStorage.setItem(KIND_KEY, newKind);
}

const signedOut = new Set<(reason: string) => void>();

/** Calls `listener` when the token stops working (revoked) or the user signs out. */
export function onSignedOut(listener: (reason: string) => void): void {
  signedOut.add(listener);
}

export function signOut(reason = ''): void {
  const had = token() !== null;
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(KIND_KEY);
  if (had) for (const listener of signedOut) listener(reason);
}

/** A failed call, with the sentence to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    sentence: string,
  ) {
    super(sentence);
  }
}

/** The error a response's status and body mean; a 401 also signs out. */
export function apiError(status: number, body: unknown): ApiError {
  const detail = (body as Partial<ErrorBody> | undefined)?.error;
  const code = detail?.code ?? `HTTP_${status}`;
  const error = new ApiError(status, code, errorSentence(code, detail?.message ?? ''));
  if (status === 401 && token() !== null) signOut(t('revoked'));
  return error;
}

export function networkError(): ApiError {
  return new ApiError(0, 'NETWORK', t('errNetwork'));
}

type Outcome<T> = { data?: T; error?: unknown; response?: Response };

/**
 * The data of a generated-client call, or an `ApiError` with a sentence. `call` takes the
 * promise the generated function returns.
 */
export async function call<T>(pending: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await pending;
  } catch {
    throw networkError();
  }
  const { data, error, response } = outcome;
  if (!response) throw networkError();
  if (!response.ok || error !== undefined) throw apiError(response.status, error);
  return data as T;
}

/**
 * A `fetch` for the generated streaming calls, which throw away an error's body: it keeps the
 * status and body of a failed answer for `apiError`.
 */
export function keepingErrors(seen: { status: number; body?: unknown }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    seen.status = response.status;
    if (!response.ok) seen.body = await response.clone().json().catch(() => undefined);
    return response;
  };
}

/** The sentence of any thrown thing. */
export function sentence(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return t('errNetwork');
}
