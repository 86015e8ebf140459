// An operator id and PIN, or a role token, go in a POST body and come back as
// an HttpOnly cookie; the next page is a local path only. A refusal says why:
// wrong, or too many tries (then how long to wait, from Retry-After).
const message = document.getElementById('message');
const next = new URLSearchParams(location.search).get('next');
const safeNext = next && /^\/[a-z-]*$/.test(next) ? next : '/';

async function signIn(body, clear) {
  message.textContent = '';
  let res;
  try {
    res = await fetch('/ui/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    message.textContent = 'The controller cannot be reached; try again.';
    return;
  }
  if (res.ok) {
    location.href = safeNext;
    return;
  }
  const err = (await res.json().catch(() => null))?.error;
  const wait = res.headers.get('retry-after');
  message.textContent =
    res.status === 429
      ? `Too many failed sign-ins: try again in ${wait ?? 'a few'} s.`
      : err?.message
        ? `Refused: ${err.message}`
        : `Refused (${res.status})`;
  clear.value = '';
}

document.getElementById('operator-sign-in').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const pin = document.getElementById('pin');
  signIn({ operator: document.getElementById('operator').value.trim(), pin: pin.value }, pin);
});

document.getElementById('sign-in').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const secret = document.getElementById('secret');
  signIn({ secret: secret.value }, secret);
});
