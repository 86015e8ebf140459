/**
 * The part of a pino logger the drivers use; any driver takes one. The caller
 * binds the bus id (app/main.ts: `logger.child({ bus })`); driver log objects
 * never repeat it.
 */
export interface DriverLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const nop = () => {};
export const silentLogger: DriverLogger = { debug: nop, info: nop, warn: nop, error: nop };
