/**
 * The browser voice terminal (CONTRACTS.md §3, text mode) for a phone with a
 * headset: large prompt text; speaks prompts with `speechSynthesis` and
 * listens with `SpeechRecognition` where the browser has them; a big keypad
 * and command buttons always; reconnects by itself and signs on again (the
 * controller then repeats the prompt it left). One self-contained page, no
 * build step.
 */
export const TERMINAL_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pickline voice terminal</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, sans-serif; background: #111; color: #eee; }
  main { max-width: 36rem; margin: 0 auto; padding: 1rem; }
  #prompt { font-size: 2.2rem; font-weight: 700; min-height: 6rem; margin: .5rem 0; }
  #status, #error { font-size: 1rem; min-height: 1.4rem; }
  #error { color: #ff7b7b; }
  #entry { font-size: 2rem; min-height: 3rem; padding: .3rem .6rem; background: #222; border-radius: .4rem; letter-spacing: .2em; }
  .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: .5rem; margin: .6rem 0; }
  button { font-size: 1.6rem; padding: 1rem 0; border: 0; border-radius: .5rem; background: #2d4f8a; color: #fff; }
  button.cmd { font-size: 1.1rem; background: #3b3b3b; }
  button.ok { background: #1f7a3a; }
  input { font-size: 1.4rem; padding: .6rem; width: 100%; margin: .3rem 0; }
  .hidden { display: none; }
</style>
</head>
<body>
<main>
  <section id="signon">
    <h1>Voice sign-on</h1>
    <input id="operator" placeholder="Operator" autocomplete="username">
    <input id="pin" placeholder="PIN" type="password" inputmode="numeric" autocomplete="current-password">
    <button id="signon-btn" class="ok">Sign on</button>
  </section>
  <section id="work" class="hidden">
    <div id="prompt" aria-live="assertive"></div>
    <div id="entry" aria-label="entry"></div>
    <div class="grid" id="keypad"></div>
    <div class="grid" id="commands"></div>
  </section>
  <div id="status"></div>
  <div id="error" role="alert"></div>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const url = location.origin.replace(/^http/, 'ws') + '/api/v1/voice';
  let ws = null, creds = null, prompt = null, entry = '', retry = 0, signedOff = false;
  const synth = window.speechSynthesis;
  const Rec = window.SpeechRecognition || window.webkitSpeechRecognition;

  function button(parent, label, cls, onClick) {
    const b = document.createElement('button');
    b.textContent = label; b.className = cls || ''; b.onclick = onClick;
    parent.appendChild(b);
  }
  for (const k of ['1','2','3','4','5','6','7','8','9','\u232b','0','OK'])
    button($('keypad'), k, k === 'OK' ? 'ok' : '', () => key(k));
  for (const c of ['ready','yes','no','repeat','skip slot','short product','how much more','sign off'])
    button($('commands'), c, 'cmd', () => say(c));

  function key(k) {
    if (k === 'OK') { if (entry) say(entry); return; }
    entry = k === '\u232b' ? entry.slice(0, -1) : entry + k;
    $('entry').textContent = entry;
  }
  function say(text) {
    if (!ws || ws.readyState !== 1 || !prompt) return;
    ws.send(JSON.stringify({ type: 'words', promptId: prompt.promptId, text }));
    entry = ''; $('entry').textContent = ''; $('error').textContent = '';
  }
  function speak(text) {
    if (!synth) return listen();
    synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.onend = listen;
    synth.speak(u);
  }
  function listen() {
    if (!Rec || !prompt) return;
    try {
      const r = new Rec();
      r.lang = 'en-US'; r.interimResults = false;
      r.onresult = (e) => say(e.results[0][0].transcript);
      r.start();
    } catch (e) { /* no microphone: the keypad stays */ }
  }
  function connect() {
    $('status').textContent = 'connecting…';
    ws = new WebSocket(url);
    ws.onopen = () => {
      retry = 0;
      ws.send(JSON.stringify({ type: 'hello', terminalId: 'browser', operator: creds.operator, pin: creds.pin, mode: 'text' }));
    };
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'prompt') {
        prompt = m;
        $('signon').classList.add('hidden'); $('work').classList.remove('hidden');
        $('prompt').textContent = m.text; $('prompt').dataset.expect = m.expect;
        $('status').textContent = 'signed on as ' + creds.operator;
        speak(m.text);
      } else if (m.type === 'error') {
        $('error').textContent = m.message + ' (' + m.code + ')';
        if (m.code === 'VOICE_SIGNON_FAILED' || m.code === 'VOICE_SIGNON_THROTTLED' || m.code === 'VOICE_SIGNED_ON_ELSEWHERE') {
          creds = null; $('signon').classList.remove('hidden'); $('work').classList.add('hidden');
        }
      } else if (m.type === 'bye') {
        signedOff = true; prompt = null;
        $('prompt').textContent = 'Signed off.'; $('status').textContent = '';
      }
    };
    ws.onclose = (ev) => {
      if (ev.target !== ws) return;
      prompt = null;
      if (signedOff || !creds) return;
      $('status').textContent = 'connection lost: reconnecting…';
      setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
    };
  }
  $('signon-btn').onclick = () => {
    creds = { operator: $('operator').value.trim(), pin: $('pin').value };
    signedOff = false; $('error').textContent = '';
    if (ws && ws.readyState <= 1) ws.close();
    connect();
  };
})();
</script>
</body>
</html>
`;
