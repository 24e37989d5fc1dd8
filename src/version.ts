/** The project's version, read from package.json so that it has one source. */
import { readFileSync } from 'node:fs';

/** Version of this build of dockerpod-operator (package.json `version`). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
