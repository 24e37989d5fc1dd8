/** Paths in this repository, for tests that read its files. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** An absolute path from a repository-relative one. */
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);


let built = false;

/** Runs `npm run build` once per test process, so e2e tests exercise what ships (dist/). */
export function buildOnce(): void {
  if (built) return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  built = true;
}

/** Absolute path of the `dockerpod` entry point named by package.json's `bin`. */
export function dockerpodBin(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = pkg.bin['dockerpod'];
  if (!bin) throw new Error('package.json has no bin entry "dockerpod"');
  return join(REPO_ROOT, bin);
}
