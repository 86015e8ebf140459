// The secret goes in a POST body and comes back as an HttpOnly cookie; the
// next page is a local path only.
const form = document.getElementById('sign-in');
const message = document.getElementById('message');
const next = new URLSearchParams(location.search).get('next');
const safeNext = next && /^\/[a-z-]*$/.test(next) ? next : '/';

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  message.textContent = '';
  const secret = document.getElementById('secret').value;
  const res = await fetch('/ui/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secret }),
  });
  if (res.ok) {
    location.href = safeNext;
    return;
  }
  const body = await res.json().catch(() => null);
  message.textContent = body?.error?.message
    ? `Refused: ${body.error.message}`
    : `Refused (${res.status})`;
  document.getElementById('secret').value = '';
});
