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

const LINKS = [
  ['/floor', 'Floor'],
  ['/console', 'Console'],
  ['/dashboard', 'KPIs'],
];

export async function header() {
  const s = await api('GET', '/ui/session');
  const nav = el(
    'header',
    {},
    el('strong', {}, 'Pickline'),
    ...LINKS.map(([href, text]) =>
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
