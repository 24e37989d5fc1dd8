/** Paths in this repository, for tests that read its files. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An absolute path from a repository-relative one. */
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
