/**
 * The logger's second line of defence: the value of any field whose name says it holds a
 * credential is replaced by `[redacted]` at any depth, in JSON and text lines alike, while the
 * ordinary keys (`controller`, `namespace`, `name`, `reconcileID`, `host`) pass through untouched.
 */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { createLogger, redact } from '../../../src/observability/logger.js';

async function capture(format: 'json' | 'text', log: (logger: ReturnType<typeof createLogger>) => void): Promise<string> {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  const logger = createLogger({ level: 'debug', format, stream });
  log(logger);
  await new Promise((r) => setTimeout(r, 20));
  return out;
}

describe('logger', function () {
  it('redacts credential fields at any depth and keeps the standard keys', async function () {
    const out = await capture('json', (l) => l.info('pulling', {
      controller: 'dockerpod', namespace: 'default', name: 'web', reconcileID: 'r-1', host: 'local',
      password: 'hunter2', authconfig: { username: 'u', password: 'p2', serveraddress: 'r.example' }, nested: [{ Token: 't0k' }],
    }));
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(line).to.deep.include({ controller: 'dockerpod', namespace: 'default', name: 'web', reconcileID: 'r-1', host: 'local', message: 'pulling', password: '[redacted]', authconfig: '[redacted]' });
    expect(line['nested']).to.deep.equal([{ Token: '[redacted]' }]);
    expect(out).to.not.match(/hunter2|p2|t0k/);
  });

  it('redacts in text lines too', async function () {
    const out = await capture('text', (l) => l.warn('registry', { registry: 'r.example', auth: 'dTpw' }));
    expect(out).to.match(/WARN {2}registry registry=r\.example auth=\[redacted\]\n$/);
  });

  it('leaves other values, arrays and errors as they are', function () {
    const err = new Error('boom');
    expect(redact({ a: 1, b: ['x', { token: 'y' }], e: err, secretName: 'creds' })).to.deep.equal({ a: 1, b: ['x', { token: '[redacted]' }], e: err, secretName: 'creds' });
  });
});
