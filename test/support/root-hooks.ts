/**
 * Root hooks of every test tier: after the whole run, no container, volume or network with this
 * run's label may be left on any engine a test touched. Leftovers are removed and fail the run.
 */
import { RUN_ID, RUN_LABEL, removeLabelled, touchedEngines } from './docker-scope.js';

/** Mocha root hook plugin (loaded through .mocharc.json `require`). */
export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    const leaks: string[] = [];
    for (const [name, docker] of touchedEngines) {
      leaks.push(...(await removeLabelled(docker, RUN_LABEL, RUN_ID)).map((what) => `engine ${name}: ${what}`));
    }
    if (leaks.length > 0) throw new Error(`tests left Docker objects behind (now removed):\n  ${leaks.join('\n  ')}`);
  },
};
