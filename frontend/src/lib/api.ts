// The one way the console talks to the API: JSON in and out, the CSRF token on every
// state-changing request, and RFC 9457 problems turned into ApiError (its sentences in the
// console's language where the console knows them).

import { serverText } from './server-text';

export class ApiError extends Error {
  status: number;
  title: string;
  detail: string;
  errors: Record<string, string>;
  body: Record<string, unknown>;
  /** retryAfter is the Retry-After of a 429 (or 503) answer in seconds, 0 when absent. */
  retryAfter: number;

  constructor(status: number, body: Record<string, unknown>, retryAfter = 0) {
    const detail = typeof body.detail === 'string' ? body.detail : '';
    const title = typeof body.title === 'string' ? body.title : `HTTP ${status}`;
    const detailParams = Array.isArray(body.detailParams) ? (body.detailParams as string[]) : undefined;
    const detailText = serverText(detail, typeof body.detailCode === 'string' ? body.detailCode : undefined, detailParams);
    super(detailText || title);
    this.status = status;
    this.title = title;
    this.detail = detailText;
    const errors = (body.errors as Record<string, string>) ?? {};
    const codes = (body.errorCodes as Record<string, { code: string; params: string[] }>) ?? {};
    this.errors = Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, serverText(v, codes[k]?.code, codes[k]?.params)]));
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

let csrfToken = '';
let storageFull: (() => void) | null = null;

/** onInsufficientStorage is called when an answer is 507: the server's disk is full. */
export function onInsufficientStorage(fn: () => void): void {
  storageFull = fn;
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export interface Reply<T> {
  data: T;
  etag: string | null;
  status: number;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, { method, headers: h, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, {
      title: 'Userdesk is not reachable',
      detail: 'Userdesk is not answering. Check that it is still running, then try again.',
    });
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (res.status === 507) storageFull?.();
  if (!res.ok) {
    const wait = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
    throw new ApiError(
      res.status,
      typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : { detail: String(data ?? '') },
      Number.isFinite(wait) && wait > 0 ? wait : 0,
    );
  }
  return { data: data as T, etag: res.headers.get('ETag'), status: res.status };
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path).then((r) => r.data),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}).then((r) => r.data),
  patch: <T>(path: string, body: unknown, headers?: Record<string, string>) => request<T>('PATCH', path, body, headers),
  del: <T>(path: string) => request<T>('DELETE', path).then((r) => r.data),
};

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
