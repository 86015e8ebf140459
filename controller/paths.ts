/** Well-known files of the installation. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo site, used when neither --config nor PICKLINE_CONFIG is given. */
export const DEFAULT_CONFIG = resolve(fileURLToPath(import.meta.url), '../../config/default.yaml');
