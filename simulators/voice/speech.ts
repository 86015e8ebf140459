/**
 * Generated speech for simulated voice terminals in audio mode (CONTRACTS.md
 * §3): text → 16 kHz mono s16le PCM through Debian `flite` or `espeak-ng`
 * and `sox`, and warehouse-like noise mixed in at a given signal-to-noise
 * ratio (the noise made by `sox`). Used by tests and bench/speech.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Synth = 'flite' | 'espeak-ng';

export interface Voice {
  synth: Synth;
  /** flite: kal, awb, rms, slt; espeak-ng: en-us, en+m3, en+f2 … */
  voice: string;
  /** words per minute (espeak-ng) or duration stretch (flite, 1 = normal) */
  speed?: number;
  /** espeak-ng pitch 0–99 */
  pitch?: number;
}

/** Debian packages the speech tools come from, by program. */
export const SPEECH_PACKAGES: Record<string, string> = {
  pocketsphinx_batch: 'pocketsphinx (and pocketsphinx-en-us)',
  flite: 'flite',
  'espeak-ng': 'espeak-ng',
  sox: 'sox',
};

/** The programs of SPEECH_PACKAGES that do not run here. */
export function missingSpeechTools(): string[] {
  return Object.keys(SPEECH_PACKAGES).filter((p) => {
    const r = spawnSync(p, p === 'sox' || p === 'espeak-ng' ? ['--version'] : ['--help'], {
      stdio: 'ignore',
    });
    return r.error !== undefined;
  });
}

function run(cmd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error)
    throw new Error(`${cmd}: ${r.error.message} (Debian package ${SPEECH_PACKAGES[cmd]})`);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.toString().slice(0, 300)}`);
  return r.stdout;
}

const RAW16 = ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer'];

/** Speech for `text` as 16 kHz mono s16le PCM. */
export function speak(text: string, v: Voice): Buffer {
  const wav = v.synth === 'flite' ? fliteWav(text, v) : espeakWav(text, v);
  return run('sox', ['-t', 'wav', '-', ...RAW16, '-'], wav);
}

/** flite seeks in its output to write the WAV header: it writes to a file. */
function fliteWav(text: string, v: Voice): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pickline-flite-'));
  try {
    const out = join(dir, 'u.wav');
    run('flite', [
      '-voice',
      v.voice,
      ...(v.speed ? ['--setf', `duration_stretch=${v.speed}`] : []),
      '-t',
      text,
      '-o',
      out,
    ]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function espeakWav(text: string, v: Voice): Buffer {
  return run('espeak-ng', [
    '-v',
    v.voice,
    '-s',
    String(v.speed ?? 160),
    '-p',
    String(v.pitch ?? 50),
    '--stdout',
    text,
  ]);
}

/** `pcm` with sox brown noise mixed in at `snrDb` (signal power over noise power). */
export function withNoise(pcm: Buffer, snrDb: number): Buffer {
  const n = pcm.length / 2;
  const noise = run('sox', ['-r', '16000', '-n', ...RAW16, '-', 'synth', `${n}s`, 'brownnoise']);
  const power = (b: Buffer, len: number) => {
    let s = 0;
    for (let i = 0; i < len; i++) s += b.readInt16LE(i * 2) ** 2;
    return s / len;
  };
  const ps = power(pcm, n);
  const pn = power(noise, Math.min(n, noise.length / 2)) || 1;
  const k = Math.sqrt(ps / pn / 10 ** (snrDb / 10));
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < n; i++) {
    const v = pcm.readInt16LE(i * 2) + k * (i * 2 < noise.length ? noise.readInt16LE(i * 2) : 0);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), i * 2);
  }
  return out;
}
