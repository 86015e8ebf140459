/**
 * One webhook POST (CONTRACTS.md §1 "Events to the WMS"): one event per
 * request; the body is the event JSON exactly as the pull feed returns it;
 * `X-Pickline-Signature: sha256=<hex HMAC-SHA256 of the raw body bytes>`.
 * Only a 2xx acknowledges the event. Redirects are not followed (a 3xx is a
 * failure, retried), so an event is never re-sent as a GET or to another host.
 */
import { createHmac } from 'node:crypto';
import type { PostAnswer, PostFn } from './http-post.ts';
import type { PicklineEvent } from './outbox.ts';

/** `sha256=<hex>` over the exact bytes sent. */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function eventBody(e: PicklineEvent): string {
  return JSON.stringify({
    eventId: e.eventId,
    seq: e.seq,
    type: e.type,
    occurredAt: e.occurredAt,
    data: e.data,
  });
}

/** Batch mode: the events as one JSON array, each exactly as `eventBody` writes it. */
export function batchBody(events: PicklineEvent[]): string {
  return `[${events.map(eventBody).join(',')}]`;
}

export function batchHeaders(
  events: PicklineEvent[],
  body: string,
  secret: string,
  userAgent: string,
): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    'X-Pickline-Seq-First': String(events[0].seq),
    'X-Pickline-Seq-Last': String(events[events.length - 1].seq),
    'X-Pickline-Signature': signBody(body, secret),
  };
}

export function eventHeaders(
  e: PicklineEvent,
  body: string,
  secret: string,
  userAgent: string,
): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    'X-Pickline-Event-Id': e.eventId,
    'X-Pickline-Seq': String(e.seq),
    'X-Pickline-Signature': signBody(body, secret),
  };
}

export type PostResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string };

export interface PostOptions {
  fetchImpl: PostFn;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** aborted by the dispatcher's stop() */
  abort: AbortController;
}

const ERROR_TEXT_MAX = 200;
/** the most of a receiver's answer read; the rest is discarded with the connection */
export const ANSWER_MAX = 64 * 1024;

async function readCapped(res: PostAnswer | Response, max: number): Promise<string> {
  // http-post.ts caps the answer itself; a fetch Response is read as a stream
  if (!('body' in res)) return (await res.text()).slice(0, max);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= max) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/**
 * Never throws: network errors, timeouts (headers and body within
 * `timeoutMs`) and non-2xx answers become `{ ok: false, error }`.
 */
export async function postEvent(o: PostOptions): Promise<PostResult> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    o.abort.abort(new Error(`timeout after ${o.timeoutMs} ms`));
  }, o.timeoutMs);
  try {
    const res = await o.fetchImpl(o.url, {
      method: 'POST',
      headers: o.headers,
      body: o.body,
      redirect: 'manual',
      signal: o.abort.signal,
    });
    // Read the answer (so the connection can be reused), but no more than
    // ANSWER_MAX: a receiver streaming an endless body must not fill memory.
    const text = await readCapped(res, ANSWER_MAX);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const snippet = text.slice(0, ERROR_TEXT_MAX).replace(/\s+/g, ' ').trim();
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    };
  } catch (e) {
    if (timedOut) return { ok: false, error: `timeout after ${o.timeoutMs} ms` };
    if (o.abort.signal.aborted) return { ok: false, error: 'aborted: dispatcher stopping' };
    return { ok: false, error: describeNetworkError(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** undici reports `TypeError: fetch failed` with the socket error as `cause`. */
function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}: ${cause.message ?? err.message ?? ''}`.trim();
  if (cause?.message) return cause.message;
  return err?.message ?? String(e);
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  random: () => number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): the exponential
 * `min(maxMs, initialMs * 2^(attempt-1))` times a jitter factor in [0.5, 1],
 * so it never exceeds `maxMs` (a recovered WMS is retried within maxMs).
 */
export function backoffDelay(attempt: number, p: BackoffPolicy): number {
  const exp = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  const r = Math.min(Math.max(p.random(), 0), 1);
  return Math.max(1, Math.round(exp * (0.5 + r / 2)));
}
