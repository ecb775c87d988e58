/** The engine's version, read from its package.json (one source of truth). */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const ENGINE_VERSION: string = pkg.version;
