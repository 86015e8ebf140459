/**
 * The browser voice terminal (CONTRACTS.md §3) for a phone with a headset:
 * large prompt text; speaks prompts with `speechSynthesis` and listens with
 * `SpeechRecognition` where the browser has them; a big keypad and command
 * buttons always; reconnects by itself and signs on again (the controller
 * then repeats the prompt it left). Offline (no `SpeechRecognition`, or
 * `?offline` in the address): audio mode — the microphone through
 * `getUserMedia` and an AudioWorklet (16 kHz s16le, 20 ms frames), an
 * utterance started and ended by voice-activity detection or held on the
 * talk button, and the controller's prompts played as WAV. A controller
 * without speech recognisers refuses audio mode (VOICE_SPEECH_UNAVAILABLE):
 * the page says so and signs on in text mode on the same connection, the
 * keypad in hand. A refused sign-on and "sign off" bring the sign-on form
 * back with what happened in the status line. One self-contained page, no
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
  button { font-size: 1.6rem; padding: 1rem .5rem; border: 0; border-radius: .5rem; background: #2d4f8a; color: #fff; overflow-wrap: anywhere; }
  #signon-btn, #talk { display: block; width: 100%; margin: .6rem 0; }
  button.cmd { font-size: 1.1rem; background: #3b3b3b; }
  button.ok { background: #1f7a3a; }
  input { font-size: 1.4rem; padding: .6rem; width: 100%; margin: .3rem 0; }
  .hidden { display: none !important; }
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
    <button id="talk" class="ok hidden">Hold to talk</button>
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
  // audio mode until the controller says it has no recognisers
  let offline = !Rec || new URLSearchParams(location.search).has('offline');
  let noSpeech = false;
  const status = (text) => { $('status').textContent = text; };
  // audio mode: VAD over 20 ms frames of 16 kHz s16le
  const VAD_ON = 0.015, START_FRAMES = 3, END_FRAMES = 35, MAX_FRAMES = 400, PREROLL = 15;
  let mic = null, talking = false, held = false, loud = 0, quiet = 0, sent = 0;
  const preroll = [];

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
  // --- audio mode
  const WORKLET = 'class P extends AudioWorkletProcessor{constructor(){super();this.r=sampleRate/16000;this.acc=0;this.n=0;this.t=0;this.buf=new Int16Array(320);this.i=0;}' +
    'process(ins){const x=ins[0]&&ins[0][0];if(!x)return true;for(let k=0;k<x.length;k++){this.acc+=x[k];this.n++;this.t+=1;if(this.t>=this.r){this.t-=this.r;' +
    'const v=Math.max(-1,Math.min(1,this.acc/this.n));this.acc=0;this.n=0;this.buf[this.i++]=v*32767;if(this.i===320){this.port.postMessage(this.buf.slice());this.i=0;}}}return true;}}' +
    'registerProcessor("pcm16k",P);';
  async function startMic() {
    if (mic) return;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const ctx = new AudioContext();
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' })));
    const node = new AudioWorkletNode(ctx, 'pcm16k');
    node.port.onmessage = (e) => frame(e.data);
    ctx.createMediaStreamSource(stream).connect(node);
    mic = { ctx, stream };
  }
  function stopMic() {
    if (!mic) return;
    for (const t of mic.stream.getTracks()) t.stop();
    mic.ctx.close().catch(() => {});
    mic = null;
  }
  function hello() {
    const m = { type: 'hello', terminalId: 'browser', operator: creds.operator, pin: creds.pin, mode: 'text' };
    if (offline) { m.mode = 'audio'; m.prompts = 'audio'; }
    ws.send(JSON.stringify(m));
  }
  function showSignOn(text) {
    creds = null; prompt = null;
    $('pin').value = '';
    $('signon').classList.remove('hidden'); $('work').classList.add('hidden');
    status(text);
  }
  function level(f) {
    let s = 0;
    for (let i = 0; i < f.length; i++) s += (f[i] / 32768) ** 2;
    return Math.sqrt(s / f.length);
  }
  function frame(f) {
    if (!ws || ws.readyState !== 1 || !prompt) { talking = false; return; }
    const on = level(f) > VAD_ON;
    if (!talking) {
      preroll.push(f); if (preroll.length > PREROLL) preroll.shift();
      loud = on ? loud + 1 : 0;
      if (held || loud >= START_FRAMES) {
        talking = true; quiet = 0; sent = 0;
        ws.send(JSON.stringify({ type: 'audio-start', promptId: prompt.promptId }));
        for (const p of preroll.splice(0)) { ws.send(p.buffer); sent++; }
      }
      return;
    }
    ws.send(f.buffer); sent++;
    quiet = on ? 0 : quiet + 1;
    if (!held && (quiet >= END_FRAMES || sent >= MAX_FRAMES)) endUtterance();
  }
  function endUtterance() {
    if (!talking) return;
    talking = false; loud = 0;
    ws.send(JSON.stringify({ type: 'audio-end' }));
    status('listening…');
  }
  $('talk').onpointerdown = () => { held = true; };
  $('talk').onpointerup = $('talk').onpointerleave = () => { if (held) { held = false; endUtterance(); } };
  function play(data) {
    const a = new Audio(URL.createObjectURL(new Blob([data], { type: 'audio/wav' })));
    a.play().catch(() => {});
  }

  function speak(text) {
    if (offline) return;
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
    status('connecting…');
    ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      retry = 0;
      status('signing on…');
      hello();
    };
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) return play(ev.data);
      const m = JSON.parse(ev.data);
      if (m.type === 'prompt') {
        prompt = m;
        $('signon').classList.add('hidden'); $('work').classList.remove('hidden');
        $('prompt').textContent = m.text; $('prompt').dataset.expect = m.expect;
        status('signed on as ' + creds.operator + (offline ? ' (offline speech)'
          : noSpeech ? ': offline speech is not available on this controller, use the keypad' + (Rec ? ' or speak' : '')
          : Rec ? '' : ' (keypad)'));
        talking = false;
        speak(m.text);
      } else if (m.type === 'error') {
        if (m.code === 'VOICE_SPEECH_UNAVAILABLE' && offline && !prompt) {
          // no recognisers on this controller: the keypad, on this connection
          offline = false; noSpeech = true; stopMic(); $('talk').classList.add('hidden');
          status('offline speech is not available on this controller: signing on with the keypad…');
          hello();
          return;
        }
        $('error').textContent = m.message + ' (' + m.code + ')';
        if (m.code === 'VOICE_SIGNON_FAILED' || m.code === 'VOICE_SIGNON_THROTTLED' || m.code === 'VOICE_SIGNED_ON_ELSEWHERE') {
          const why = m.code === 'VOICE_SIGNON_FAILED' ? 'Sign-on refused: wrong operator or PIN.'
            : m.code === 'VOICE_SIGNON_THROTTLED' ? 'Sign-on refused: too many wrong PINs, wait and try again.'
            : 'Signed off here: ' + (creds ? creds.operator : 'this operator') + ' signed on at another terminal.';
          showSignOn(why);
          ws.close();
        }
      } else if (m.type === 'bye') {
        signedOff = true;
        $('prompt').textContent = ''; $('error').textContent = '';
        showSignOn('Signed off. Sign on again to go on picking.');
      }
    };
    ws.onclose = (ev) => {
      if (ev.target !== ws) return;
      prompt = null;
      if (signedOff || !creds) return;
      status('connection lost: reconnecting…');
      setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
    };
  }
  $('signon-btn').onclick = () => {
    creds = { operator: $('operator').value.trim(), pin: $('pin').value };
    if (!creds.operator || !creds.pin) { creds = null; status('Enter your operator id and PIN.'); return; }
    signedOff = false; $('error').textContent = '';
    if (ws && ws.readyState <= 1) ws.close();
    if (offline) {
      $('talk').classList.remove('hidden');
      startMic().catch((e) => { $('error').textContent = 'no microphone: ' + e.message + ' (the keypad works)'; });
    }
    connect();
  };
})();
</script>
</body>
</html>
`;
