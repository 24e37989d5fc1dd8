/**
 * Decoding of protobuf request bodies: the exact bytes kubectl 1.32 sends for `create namespace`,
 * `create configmap` and `create secret generic` become the JSON objects a JSON client would
 * send; metadata maps, lists, large varints and timestamps decode; other kinds are a 415.
 */
import { expect } from 'chai';
import { ApiError } from '../../../src/apiserver/errors.js';
import { decodeProtobufObject, isProtobuf } from '../../../src/apiserver/http/protobuf.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  return [...out, n];
}
const bytesField = (field: number, payload: Buffer | string): Buffer => {
  const body = Buffer.from(payload);
  return Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(body.length)]), body]);
};
const varintField = (field: number, value: number): Buffer => Buffer.from([...varint(field * 8), ...varint(value)]);
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([hex('6b387300'), bytesField(1, Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)])), bytesField(2, raw)]);

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.status.code;
    throw err;
  }
  return undefined;
}

describe('protobuf request bodies', function () {
  it('recognises the protobuf content type, with or without parameters', function () {
    expect(isProtobuf('application/vnd.kubernetes.protobuf')).to.equal(true);
    expect(isProtobuf('application/vnd.kubernetes.protobuf; charset=utf-8')).to.equal(true);
    expect(isProtobuf('application/json')).to.equal(false);
    expect(isProtobuf(undefined)).to.equal(false);
  });

  it('decodes `kubectl create namespace team-a` (empty fields are omitted)', function () {
    const body = hex(`
      6b 38 73 00 0a 0f 0a 02 76 31 12 09 4e 61 6d 65 73 70 61 63 65 12 1e 0a 16 0a 06 74 65 61 6d 2d
      61 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 12 00 1a 02 0a 00 1a 00 22 00`);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  it('decodes `kubectl create configmap cfg --from-literal=a=b --from-literal=c=d`', function () {
    const body = hex(`
      6b 38 73 00 0a 0f 0a 02 76 31 12 09 43 6f 6e 66 69 67 4d 61 70 12 25 0a 13 0a 03 63 66 67 12 00
      1a 00 22 00 2a 00 32 00 38 00 42 00 12 06 0a 01 61 12 01 62 12 06 0a 01 63 12 01 64 1a 00 22 00`);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'b', c: 'd' } });
  });

  it('decodes `kubectl create secret generic sec --from-literal=k=v` (data as base64)', function () {
    const body = hex(`
      6b 38 73 00 0a 0c 0a 02 76 31 12 06 53 65 63 72 65 74 12 25 0a 13 0a 03 73 65 63 12 00 1a 00 22
      00 2a 00 32 00 38 00 42 00 12 06 0a 01 6b 12 01 76 1a 06 4f 70 61 71 75 65 1a 00 22 00`);
    expect(decodeProtobufObject(body)).to.deep.equal({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { k: 'dg==' }, type: 'Opaque' });
  });

  it('decodes labels, annotations, finalizers, multi-byte varints and timestamps of ObjectMeta', function () {
    const meta = Buffer.concat([
      bytesField(1, 'web'),
      bytesField(3, 'team-a'),
      varintField(7, 300),
      bytesField(8, varintField(1, Date.parse('2026-01-01T00:00:00Z') / 1000)),
      bytesField(11, Buffer.concat([bytesField(1, 'app'), bytesField(2, 'web')])),
      bytesField(11, Buffer.concat([bytesField(1, 'tier'), bytesField(2, 'front')])),
      bytesField(12, Buffer.concat([bytesField(1, 'note'), bytesField(2, '')])),
      bytesField(14, 'example.com/a'),
      bytesField(14, 'example.com/b'),
    ]);
    const raw = Buffer.concat([bytesField(1, meta), bytesField(3, Buffer.concat([bytesField(1, 'blob'), bytesField(2, Buffer.from([0xff]))])), varintField(4, 1), bytesField(99, 'ignored')]);
    expect(decodeProtobufObject(envelope('v1', 'ConfigMap', raw))).to.deep.equal({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'web', namespace: 'team-a', generation: 300, creationTimestamp: '2026-01-01T00:00:00Z',
        labels: { app: 'web', tier: 'front' }, annotations: { note: '' }, finalizers: ['example.com/a', 'example.com/b'],
      },
      binaryData: { blob: '/w==' },
      immutable: true,
    });
  });

  it('answers 415 for a kind it has no message table for, and 400 for bytes that are not the envelope', function () {
    expect(statusOf(() => decodeProtobufObject(envelope('v1', 'Pod', Buffer.alloc(0))))).to.equal(415);
    expect(statusOf(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}')))).to.equal(400);
    expect(statusOf(() => decodeProtobufObject(Buffer.concat([hex('6b387300'), hex('0aff')])))).to.equal(400);
  });
});
