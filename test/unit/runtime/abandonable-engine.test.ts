/**
 * The abandonable engine wrapper: abandon() ends the calls in flight at once with a DockerError
 * naming the call and the reason (the fleet calls it when a host goes NotReady), leaves later
 * calls alone, and never hides a caller's own abort.
 */
import { expect } from 'chai';
import { abandonable, CallAbandoner } from '../../../src/runtime/docker/abandonable-engine.js';
import { DockerError, type DockerEngine } from '../../../src/runtime/docker/types.js';

/** A call that answers only by failing when its signal aborts, as a call to an engine that stopped answering. */
const hanging = (signal?: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new DockerError('aborted by the signal')), { once: true }));

const stub = {
  endpoint: 'tcp://stalled.example:2376',
  listContainers: (_labels: Record<string, string>, signal?: AbortSignal) => hanging(signal),
  stopContainer: (_id: string, _t: number, signal?: AbortSignal) => hanging(signal),
  createVolume: () => Promise.resolve(),
} as unknown as DockerEngine;

const settled = async (p: Promise<unknown>): Promise<string> => {
  const tick = new Promise((resolve) => setTimeout(() => resolve('pending'), 20));
  return String(await Promise.race([p.then(() => 'resolved', (e: Error) => `rejected: ${e.message}`), tick]));
};

describe('abandonable engine', () => {
  it('abandon() ends every call in flight with the reason; calls made afterwards are not affected', async () => {
    const abandoner = new CallAbandoner();
    const engine = abandonable(stub, abandoner);
    const list = engine.listContainers({ a: 'b' });
    const stop = engine.stopContainer('c1', 30);
    expect(await settled(list)).to.equal('pending');
    abandoner.abandon('DockerHost b went NotReady (EngineUnreachable: ping timed out)');
    expect(await settled(list)).to.equal('rejected: listContainers abandoned: DockerHost b went NotReady (EngineUnreachable: ping timed out)');
    expect(await settled(stop)).to.match(/^rejected: stopContainer abandoned: /);
    const err = await list.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DockerError);
    expect((err as DockerError).statusCode).to.equal(undefined);
    const later = engine.listContainers({});
    expect(await settled(later)).to.equal('pending');
    abandoner.abandon('again');
    expect(await settled(later)).to.equal('rejected: listContainers abandoned: again');
  });

  it("keeps a caller's own abort as it is, and passes calls that take no signal through", async () => {
    const engine = abandonable(stub, new CallAbandoner());
    const own = new AbortController();
    const list = engine.listContainers({}, own.signal);
    own.abort();
    expect(await settled(list)).to.equal('rejected: aborted by the signal');
    expect(await settled(engine.createVolume('v', {}))).to.equal('resolved');
    expect(engine.endpoint).to.equal(stub.endpoint);
  });
});
