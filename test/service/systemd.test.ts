/**
 * Running as a systemd service (deploy/pickline.service, app/systemd.ts):
 * the unit passes `systemd-analyze verify` and keeps its promises (own user,
 * hardening, restart on failure, Type=notify); `pickline start` under a
 * $NOTIFY_SOCKET tells the socket READY=1 (with its MAINPID and a status)
 * once the floor is restored and STOPPING=1 on SIGTERM, and logs one line
 * per start naming version, config and store. The notify socket is a unix
 * datagram socket served by python3, closing the barrier fds as systemd does.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };
import { tempDir } from '../helpers/harness.ts';
import { type LiveSite, liveSite } from '../helpers/live.ts';
import { until } from '../kit/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'deploy/pickline.service');
const SYSTEMD_MISSING = 'install Debian package systemd (systemd-analyze, systemd-notify)';

function systemdToolsAvailable(): boolean {
  const r = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
  if (!r.error && r.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`systemd-analyze not found: ${SYSTEMD_MISSING}`);
  console.warn(`skipping: ${SYSTEMD_MISSING}`);
  return false;
}

const RECEIVER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('listening', flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[: len(data) - len(data) % 4])
            for fd in fds:
                os.close(fd)
    print(msg.decode().replace('\\n', '|'), flush=True)
`;

describe.runIf(systemdToolsAvailable())('pickline as a systemd service', () => {
  it('the unit verifies and keeps its promises', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/pickline\.service/);
    expect(r.status).toBe(0);
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'User=pickline',
      'SupplementaryGroups=dialout',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'StateDirectory=pickline',
      'Environment=PICKLINE_CONFIG=/etc/pickline/site.yaml',
    ])
      expect(unit.split('\n')).toContain(line);
  });

  describe('start under a notify socket', () => {
    let t: ReturnType<typeof tempDir>;
    let site: LiveSite;
    let receiver: ChildProcess;
    let child: ChildProcess | null = null;
    const messages: string[] = [];
    let sock = '';
    let config = '';
    beforeAll(async () => {
      t = tempDir();
      site = await liveSite(t.dir);
      sock = join(t.dir, 'notify.sock');
      // the live site logs warnings only; a service logs info
      config = join(t.dir, 'service.yaml');
      writeFileSync(
        config,
        stringify({ ...parse(readFileSync(site.configFile, 'utf8')), log: { level: 'info' } }),
      );
      receiver = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      receiver.stdout!.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        messages.push(...lines);
      });
      await until(() => messages.includes('listening'), 'notify socket', 10_000);
    });
    afterAll(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      receiver?.kill();
      await site?.stop();
      t?.remove();
    });

    it('says READY=1 once the floor is restored, STOPPING=1 on SIGTERM, and logs what it runs', async () => {
      let out = '';
      child = spawn(
        process.execPath,
        [join(ROOT, 'bin/pickline.js'), 'start', '--no-simulate', '--no-console'],
        {
          env: {
            ...process.env,
            NOTIFY_SOCKET: sock,
            PICKLINE_CONFIG: config,
            PICKLINE_LOG_FORMAT: 'json',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      await until(() => messages.some((m) => m.includes('READY=1')), 'READY=1', 60_000);
      const ready = messages.find((m) => m.includes('READY=1')) as string;
      expect(ready).toContain(`MAINPID=${child.pid}`);
      expect(ready).toMatch(/STATUS=site DEMO-1: floor restored, API on port \d+/);
      // the floor was restored before READY: the started line is already out
      expect(out).toMatch(/Pickline controller started/);
      const starting = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) =>
            JSON.parse(l) as { msg: string; version?: string; config?: string; store?: string },
        )
        .filter((l) => l.msg.includes('starting'));
      expect(starting).toHaveLength(1);
      expect(starting[0]).toMatchObject({
        version: pkg.version,
        config,
        store: site.loaded.config.storage.path,
        msg: `Pickline ${pkg.version} starting: config ${config}, store ${site.loaded.config.storage.path}`,
      });

      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until(() => messages.some((m) => m.includes('STOPPING=1')), 'STOPPING=1', 10_000);
    }, 90_000);
  });
});
