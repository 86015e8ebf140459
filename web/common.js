// Shared by the pages: API calls with the session cookie (never a token in a
// URL), the header with navigation and sign-out, small DOM helpers.

/** fetch JSON from the API; throws an Error with the API's code and message. */
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    location.href = `/sign-in?next=${encodeURIComponent(location.pathname)}`;
    throw new Error('signed out');
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = json?.error;
    const err = new Error(e ? `${e.code}: ${e.message}` : `${res.status}`);
    err.details = e?.details ?? [];
    throw err;
  }
  return json;
}

/** el('div', {class: 'x'}, 'text', child…): textContent only, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) n.append(c instanceof Node ? c : String(c));
  return n;
}

/**
 * The pages and the roles that may open them: the same as PAGES in
 * api/pages.ts (test/browser/pages-feedback.test.ts compares them). The
 * header links only the pages the signed-in role may open.
 */
export const LINKS = [
  ['/floor', 'Floor', ['wms', 'operator', 'technician', 'viewer']],
  ['/console', 'Console', ['technician']],
  ['/dashboard', 'KPIs', ['wms', 'technician', 'viewer']],
  ['/supervisor', 'Supervisor', ['operator', 'technician', 'viewer']],
];

/** Roles that may press a simulated module's key (POST /api/v1/simulator/…/press). */
export const PRESS_ROLES = ['operator', 'technician'];
export const mayPress = (role) => PRESS_ROLES.includes(role);

/** A duration in ms as people say it: "45 s", "23 min", "2 h 05 min", "3 d 4 h". */
export function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export async function header() {
  const s = await api('GET', '/ui/session');
  const nav = el(
    'header',
    {},
    el('strong', {}, 'Pickline'),
    ...LINKS.filter(([, , roles]) => roles.includes(s.role)).map(([href, text]) =>
      el('a', { href, 'aria-current': location.pathname === href ? 'page' : null }, text),
    ),
    el('span', { class: 'who' }, `${s.operator ?? s.role}`),
    el(
      'button',
      {
        type: 'button',
        onclick: async () => {
          await api('DELETE', '/ui/session');
          location.href = '/sign-in';
        },
      },
      'Sign out',
    ),
  );
  document.body.prepend(nav);
  return s;
}
