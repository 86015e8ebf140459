/**
 * `Type=notify` for deploy/pickline.service (README "Running as a service").
 * systemd's readiness protocol is a datagram on the unix socket named by
 * $NOTIFY_SOCKET; node has no unix datagram sockets and a native module for
 * one line is not worth a build, so the `systemd-notify` tool (Debian package
 * systemd, on every box that runs the unit) sends it. The unit sets
 * `NotifyAccess=all` because the message comes from that child process, and
 * systemd-notify waits (its default, sd_notify_barrier) until systemd has
 * processed the message, so the child exiting early cannot lose it.
 * Without $NOTIFY_SOCKET (not under systemd) nothing is sent.
 */
import { execFile } from 'node:child_process';

export interface Notifier {
  /** READY=1 with a status line, once the floor is restored. */
  ready(status: string): Promise<void>;
  /** STOPPING=1 when a shutdown begins. */
  stopping(): Promise<void>;
}

export function systemdNotifier(
  warn: (msg: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Notifier {
  const send = (args: string[]) =>
    new Promise<void>((done) => {
      if (!env.NOTIFY_SOCKET) return done();
      execFile(
        'systemd-notify',
        [`--pid=${process.pid}`, ...args],
        { env, timeout: 10_000 },
        (err) => {
          if (err)
            warn(
              (err as NodeJS.ErrnoException).code === 'ENOENT'
                ? 'systemd-notify not found (Debian package systemd): systemd is not told the controller is ready'
                : `systemd-notify failed: ${err.message}`,
            );
          done();
        },
      );
    });
  return {
    ready: (status) => send(['--ready', `--status=${status}`]),
    stopping: () => send(['STOPPING=1']),
  };
}
