/**
 * A bounded pool of warm pocketsphinx recognisers (HARDWARE.md "Speech on
 * this machine"): each worker is one `pocketsphinx_batch` process that keeps
 * the acoustic model loaded and decodes one utterance per control line read
 * from a named pipe, with the utterance's grammar (a Sphinx FSG file) named on a
 * second control pipe (Node's child stdio are sockets, which the program
 * cannot open by path). Utterances queue first in, first out; a
 * decoder that does not answer within `timeoutMs` is killed (the utterance
 * fails, the worker is started again for the next one), so one stuck decoder
 * cannot stall the others. Sizes: `size` workers (default: the cores, at most
 * 2), at most `maxQueue` waiting utterances, each at most `maxBytes` long.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PicklineError } from '../../kernel/errors.ts';
import { type FsgShape, type Grammar, grammarFor, phoneDictionary, toFsg } from './grammar.ts';
import { brownNoise, noiseFloor } from './trim.ts';

export const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const BATCH_PROGRAM = 'pocketsphinx_batch';
/** 16 kHz mono s16le: bytes per second of audio */
export const BYTES_PER_SECOND = 32_000;

export interface RecogniserOptions {
  size?: number;
  timeoutMs?: number;
  maxQueue?: number;
  /** longest utterance taken, in bytes of PCM (default 10 s) */
  maxBytes?: number;
  modelDir?: string;
  /** more pocketsphinx_batch options, after (and overriding) the defaults: experiments only */
  decoderArgs?: string[];
  /** the garbage branch's share of the grammar (see toFsg) */
  garbageWeight?: number;
  /** RMS of the noise floor mixed into every utterance (see noiseFloor; 0: none) */
  noiseLevel?: number;
  /** the FSG's shape (see toFsg) */
  fsgShape?: FsgShape;
  /** brown noise mixed in this many dB under the utterance's power (see brownNoise; default 20, 0: none) */
  noiseSnr?: number;
  /** each phone's probability in the out-of-grammar phone loop (see toFsg; 0: no loop) */
  phoneLoop?: number;
}

export interface Recognition {
  /** the words decoded ('' for none) */
  text: string;
  /** pocketsphinx's path score (log scale, more negative is worse) */
  score: number;
  /** time spent waiting for a free worker and decoding, ms */
  queuedMs: number;
  decodeMs: number;
}

interface Job {
  pcm: Buffer;
  grammar: Grammar;
  queuedAt: number;
  resolve: (r: Recognition) => void;
  reject: (e: Error) => void;
}

interface Worker {
  proc: ChildProcess | null;
  ctl: Socket | null;
  fsgCtl: Socket | null;
  job: Job | null;
  utt: string;
  startedAt: number;
  timer: NodeJS.Timeout | null;
  out: string;
  out$: Socket | null;
}

/** A FIFO opened read-write, so the open never blocks, as a non-blocking libuv pipe. */
function fifo(path: string, side: 'read' | 'write'): Socket {
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  // one direction only: a read-write FIFO would otherwise read back what it writes
  const s = new Socket({ fd, readable: side === 'read', writable: side === 'write' });
  s.on('error', () => {}); // a dead worker is handled on its exit
  return s;
}

export class RecogniserPool {
  readonly size: number;
  readonly #timeoutMs: number;
  readonly #maxQueue: number;
  readonly maxBytes: number;
  readonly #model: string;
  readonly #extra: string[];
  readonly #garbageWeight: number | undefined;
  readonly #shape: FsgShape | undefined;
  readonly #noise: number;
  readonly #phoneLoop: number;
  readonly #noiseSnr: number;
  readonly #queue: Job[] = [];
  readonly #workers: Worker[] = [];
  readonly #grammars = new Set<string>();
  #dir: string | null = null;
  #seq = 0;
  /** decoders killed for taking longer than the timeout */
  timeouts = 0;

  constructor(o: RecogniserOptions = {}) {
    this.size = o.size ?? Math.max(1, Math.min(2, availableParallelism()));
    this.#timeoutMs = o.timeoutMs ?? 3000;
    this.#maxQueue = o.maxQueue ?? 64;
    this.maxBytes = o.maxBytes ?? 10 * BYTES_PER_SECOND;
    this.#model = o.modelDir ?? MODEL_DIR;
    this.#extra = o.decoderArgs ?? [];
    this.#garbageWeight = o.garbageWeight;
    this.#shape = o.fsgShape;
    this.#noise = o.noiseLevel ?? 50;
    this.#phoneLoop = o.phoneLoop ?? 0;
    this.#noiseSnr = o.noiseSnr ?? 20;
  }

  /**
   * Makes the work directory and starts the workers (each loads the model
   * once); throws VOICE_SPEECH_UNAVAILABLE, naming the Debian package, when
   * the program or the model is missing.
   */
  start(): void {
    if (this.#dir) return;
    if (!onPath(BATCH_PROGRAM))
      throw new PicklineError(
        'VOICE_SPEECH_UNAVAILABLE',
        `${BATCH_PROGRAM} not found: install Debian package pocketsphinx`,
      );
    if (!existsSync(join(this.#model, 'en-us', 'mdef')))
      throw new PicklineError(
        'VOICE_SPEECH_UNAVAILABLE',
        `no acoustic model in ${this.#model}: install Debian package pocketsphinx-en-us`,
      );
    this.#dir = mkdtempSync(join(tmpdir(), 'pickline-speech-'));
    // the model's dictionary and the phone loop's one-phone words
    writeFileSync(
      join(this.#dir, 'words.dict'),
      readFileSync(join(this.#model, 'cmudict-en-us.dict'), 'utf8') + phoneDictionary(),
    );
    // a grammar at start keeps the program from loading its large default language model
    this.#grammarFile(grammarFor({ expect: 'yes-no' }));
    for (let i = 0; i < this.size; i++) {
      const w: Worker = {
        proc: null,
        ctl: null,
        fsgCtl: null,
        job: null,
        utt: '',
        startedAt: 0,
        timer: null,
        out: '',
        out$: null,
      };
      this.#workers.push(w);
      this.#spawn(w);
    }
  }

  /** Kills every worker, fails what is queued, removes the work directory. Idempotent. */
  stop(): void {
    if (!this.#dir) return;
    for (const w of this.#workers)
      this.#kill(w, new PicklineError('INTERNAL', 'recogniser stopped'));
    this.#workers.length = 0;
    for (const j of this.#queue.splice(0))
      j.reject(new PicklineError('INTERNAL', 'recogniser stopped'));
    rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
    this.#grammars.clear();
  }

  /** process ids of the running workers (for memory reports) */
  get pids(): number[] {
    return this.#workers.flatMap((w) => (w.proc?.pid ? [w.proc.pid] : []));
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Decodes one utterance (16 kHz mono s16le) against a grammar. */
  recognise(pcm: Buffer, grammar: Grammar): Promise<Recognition> {
    if (!this.#dir) return Promise.reject(new PicklineError('INTERNAL', 'recogniser not started'));
    if (pcm.length > this.maxBytes)
      return Promise.reject(
        new PicklineError('VOICE_AUDIO_TOO_LONG', `utterance over ${this.maxBytes} bytes`),
      );
    if (this.#queue.length >= this.#maxQueue)
      return Promise.reject(
        new PicklineError('VOICE_RECOGNISER_BUSY', 'too many utterances queued'),
      );
    return new Promise((resolve, reject) => {
      this.#queue.push({
        pcm: noiseFloor(this.#noiseSnr > 0 ? brownNoise(pcm, this.#noiseSnr) : pcm, this.#noise),
        grammar,
        queuedAt: performance.now(),
        resolve,
        reject,
      });
      this.#pump();
    });
  }

  #spawn(w: Worker): void {
    const dir = this.#dir as string;
    const id = `w${++this.#seq}`;
    const ctl = join(dir, `${id}.ctl`);
    const fsgCtl = join(dir, `${id}.fsgctl`);
    const hyp = join(dir, `${id}.hyp`);
    execFileSync('mkfifo', [ctl, fsgCtl, hyp]);
    const args = [
      ...['-hmm', join(this.#model, 'en-us'), '-dict', join(dir, 'words.dict')],
      ...['-adcin', 'yes', '-cepdir', dir, '-cepext', '.raw'],
      ...['-ctl', ctl, '-fsgctl', fsgCtl, '-fsgdir', dir, '-fsgext', '.fsg'],
      ...['-fsg', join(dir, 'g-yes-no.fsg')],
      ...['-hyp', hyp, '-logfn', '/dev/null'],
      // no random dither: every utterance gets a fixed noise floor instead (noiseFloor), so the
      // same audio always decodes the same way
      ...['-dither', 'no'],
    ];
    // an option given twice stops the program: the extra ones replace the defaults
    for (let i = 0; i + 1 < this.#extra.length; i += 2) {
      const at = args.indexOf(this.#extra[i]);
      if (at >= 0 && at % 2 === 0) args.splice(at, 2);
      args.push(this.#extra[i], this.#extra[i + 1]);
    }
    const proc = spawn(BATCH_PROGRAM, args, { stdio: 'ignore' });
    w.proc = proc;
    w.ctl = fifo(ctl, 'write');
    w.fsgCtl = fifo(fsgCtl, 'write');
    const out = fifo(hyp, 'read');
    w.out$ = out;
    w.out = '';
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      w.out += chunk;
      let nl = w.out.indexOf('\n');
      while (nl >= 0) {
        const line = w.out.slice(0, nl);
        w.out = w.out.slice(nl + 1);
        this.#answer(w, line);
        nl = w.out.indexOf('\n');
      }
    });
    proc.on('error', (e) => this.#died(w, proc, e));
    proc.on('exit', () => this.#died(w, proc, new Error('pocketsphinx_batch exited')));
  }

  #died(w: Worker, proc: ChildProcess, e: Error): void {
    if (w.proc !== proc) return;
    w.proc = null;
    for (const s of [w.ctl, w.fsgCtl, w.out$]) s?.destroy();
    this.#finish(w, null, new PicklineError('INTERNAL', `recogniser failed: ${e.message}`));
    if (this.#dir) setImmediate(() => this.#pump());
  }

  #pump(): void {
    if (!this.#dir) return;
    for (const w of this.#workers) {
      if (this.#queue.length === 0) return;
      if (w.job) continue;
      if (!w.proc) this.#spawn(w);
      const job = this.#queue.shift() as Job;
      this.#begin(w, job);
    }
  }

  /** Writes the grammar's FSG once per pool; its name without extension. */
  #grammarFile(g: Grammar): string {
    const gname = `g-${g.name}`;
    if (!this.#grammars.has(gname)) {
      writeFileSync(
        join(this.#dir as string, `${gname}.fsg`),
        toFsg(g, this.#garbageWeight, this.#shape, this.#phoneLoop),
      );
      this.#grammars.add(gname);
    }
    return gname;
  }

  #begin(w: Worker, job: Job): void {
    const dir = this.#dir as string;
    const gname = this.#grammarFile(job.grammar);
    w.utt = `u${++this.#seq}`;
    writeFileSync(join(dir, `${w.utt}.raw`), job.pcm);
    w.job = job;
    w.startedAt = performance.now();
    w.timer = setTimeout(() => {
      this.timeouts++;
      this.#kill(
        w,
        new PicklineError('VOICE_RECOGNISER_BUSY', 'the recogniser did not answer in time'),
      );
      this.#pump();
    }, this.#timeoutMs);
    w.ctl?.write(`${w.utt}\n`);
    w.fsgCtl?.write(`${gname}\n`);
  }

  /** A hypothesis line: `words (uttid score)`. */
  #answer(w: Worker, line: string): void {
    const m = /^(.*?)\s*\((\S+) (-?\d+)\)\s*$/.exec(line);
    if (!m || !w.job || m[2] !== w.utt) return;
    const job = w.job;
    const now = performance.now();
    this.#finish(w, {
      text: m[1].trim(),
      score: Number(m[3]),
      queuedMs: w.startedAt - job.queuedAt,
      decodeMs: now - w.startedAt,
    });
    this.#pump();
  }

  #finish(w: Worker, r: Recognition | null, e?: Error): void {
    const job = w.job;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    w.job = null;
    if (w.utt && this.#dir) {
      try {
        unlinkSync(join(this.#dir, `${w.utt}.raw`));
      } catch {}
    }
    if (!job) return;
    if (r) job.resolve(r);
    else job.reject(e ?? new PicklineError('INTERNAL', 'recogniser failed'));
  }

  #kill(w: Worker, e: Error): void {
    const proc = w.proc;
    w.proc = null;
    for (const s of [w.ctl, w.fsgCtl, w.out$]) s?.destroy();
    this.#finish(w, null, e);
    proc?.kill('SIGKILL');
  }
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, program)));
}
