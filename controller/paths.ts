/** Well-known files of the installation. */
import { rootPath } from '../kernel/root.ts';

/** The demo site, used when neither --config nor PICKLINE_CONFIG is given. */
export const DEFAULT_CONFIG = rootPath('config', 'default.yaml');
