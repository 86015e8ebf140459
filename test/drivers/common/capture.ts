/** A DriverLogger that records every line, for tests of the shared driver rules. */
import type { DriverLogger } from '../../../device-drivers/common/logger.ts';

export type Line = { level: string; obj: Record<string, unknown>; msg?: string };

export function capture(): { log: DriverLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return {
    lines,
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}
