/**
 * The operator's own Docker actions are announced so their events do not wake the pod again:
 * each announced event is dropped once, unannounced ones (a crash, a user's kill) pass, and
 * announcements expire.
 */
import { expect } from 'chai';
import { announcingOwnActions, OwnActions } from '../../../src/controller/own-actions.js';
import { FakeEngine } from '../../../src/runtime/docker/fake-engine.js';
import { FakeClock } from '../../../src/util/clock.js';

describe('own actions', () => {
  it('drops each announced event once and passes the rest', () => {
    const own = new OwnActions(new FakeClock());
    own.announce('c1', ['kill', 'die', 'stop']);
    expect(['kill', 'die', 'stop', 'die'].map((a) => own.consume('c1', a))).to.deep.equal([true, true, true, false]);
    expect(own.consume('c2', 'die')).to.equal(false);
    expect(own.pending()).to.equal(0);
  });

  it('forgets announcements after a minute', async () => {
    const clock = new FakeClock();
    const own = new OwnActions(clock);
    own.announce('c1', ['start']);
    await clock.advance(61_000);
    expect(own.consume('c1', 'start')).to.equal(false);
  });

  it('announces what start, stop, kill and remove cause, and passes every other call through', async () => {
    const clock = new FakeClock();
    const own = new OwnActions(clock);
    const fake = new FakeEngine({ clock, images: ['busybox:1'] });
    const engine = announcingOwnActions(fake, own);
    const id = await engine.createContainer('ctr', { Image: 'busybox:1', Labels: {}, HostConfig: {} });
    expect(own.pending()).to.equal(0);
    await engine.startContainer(id);
    expect(own.consume(id, 'start')).to.equal(true);
    await engine.removeContainer(id, { force: true, removeVolumes: true });
    expect(['kill', 'die', 'stop', 'destroy'].every((a) => own.consume(id, a))).to.equal(true);
    expect((await engine.info()).serverVersion).to.equal('20.10.24');
    expect(engine.endpoint).to.equal(fake.endpoint);
  });
});
