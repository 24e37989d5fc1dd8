/**
 * Request bodies in the API server's protobuf encoding (`application/vnd.kubernetes.protobuf`),
 * which kubectl's typed clients send for built-in kinds (`kubectl create namespace`,
 * `create configmap`, `create secret`): the `k8s\0` envelope holds a runtime.Unknown whose raw
 * bytes are the object. Decoded here into the JSON object the verbs expect, with Go's
 * `omitempty` (zero values dropped). Kinds without a message table answer 415, as a real server
 * answers protobuf for a custom resource.
 */
import { apiError } from '../errors.js';
import type { KubeObject } from '../resources/types.js';

/** The protobuf media type of built-in kinds. */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

type Scalar = 'string' | 'bytes' | 'int' | 'bool' | 'time';
type Kind = Scalar | Message | { map: 'string' | 'bytes' } | { repeated: 'string' | Message };
/** A message: field number -> JSON name and kind. */
interface Message {
  fields: Record<number, [string, Kind]>;
}

const msg = (fields: Record<number, [string, Kind]>): Message => ({ fields });

const OWNER_REFERENCE = msg({ 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] });

const OBJECT_META = msg({
  1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 4: ['selfLink', 'string'], 5: ['uid', 'string'],
  6: ['resourceVersion', 'string'], 7: ['generation', 'int'], 8: ['creationTimestamp', 'time'], 9: ['deletionTimestamp', 'time'],
  10: ['deletionGracePeriodSeconds', 'int'], 11: ['labels', { map: 'string' }], 12: ['annotations', { map: 'string' }],
  13: ['ownerReferences', { repeated: OWNER_REFERENCE }], 14: ['finalizers', { repeated: 'string' }],
});

/** Message tables of the kinds kubectl sends as protobuf, keyed `apiVersion/kind`. */
const KINDS: Record<string, Message> = {
  'v1/Namespace': msg({ 1: ['metadata', OBJECT_META], 2: ['spec', msg({ 1: ['finalizers', { repeated: 'string' }] })], 3: ['status', msg({ 1: ['phase', 'string'] })] }),
  'v1/ConfigMap': msg({ 1: ['metadata', OBJECT_META], 2: ['data', { map: 'string' }], 3: ['binaryData', { map: 'bytes' }], 4: ['immutable', 'bool'] }),
  'v1/Secret': msg({ 1: ['metadata', OBJECT_META], 2: ['data', { map: 'bytes' }], 3: ['type', 'string'], 4: ['stringData', { map: 'string' }], 5: ['immutable', 'bool'] }),
};

const TYPE_META = msg({ 1: ['apiVersion', 'string'], 2: ['kind', 'string'] });
const TIME = msg({ 1: ['seconds', 'int'], 2: ['nanos', 'int'] });
const MAP_ENTRY = { string: msg({ 1: ['key', 'string'], 2: ['value', 'string'] }), bytes: msg({ 1: ['key', 'string'], 2: ['value', 'bytes'] }) };
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One field on the wire: its number and either a varint or a length-delimited payload. */
interface WireField {
  field: number;
  varint?: number;
  bytes?: Buffer;
}

function badProtobuf(): never {
  throw apiError.badRequest('the body of the request could not be decoded as protobuf');
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let value = 0;
    for (let scale = 1; this.pos < this.buf.length; scale *= 128) {
      const byte = this.buf[this.pos++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
    return badProtobuf();
  }

  take(length: number): Buffer {
    if (this.pos + length > this.buf.length) badProtobuf();
    this.pos += length;
    return this.buf.subarray(this.pos - length, this.pos);
  }

  /** The next field; fixed-width fields (unused by these kinds) are skipped as bytes. */
  next(): WireField {
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) return { field, varint: this.varint() };
    if (wire === 2) return { field, bytes: this.take(this.varint()) };
    if (wire === 1 || wire === 5) return { field, bytes: this.take(wire === 1 ? 8 : 4) };
    return badProtobuf();
  }
}

function timeOf(bytes: Buffer): string | undefined {
  const seconds = Number(decodeMessage(bytes, TIME)['seconds'] ?? 0);
  return seconds === 0 ? undefined : `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

function scalar(kind: Scalar, wire: WireField): unknown {
  const bytes = wire.bytes ?? Buffer.alloc(0);
  if (kind === 'int') return wire.varint === 0 ? undefined : wire.varint;
  if (kind === 'bool') return wire.varint === 1;
  if (kind === 'time') return timeOf(bytes);
  if (kind === 'bytes') return bytes.toString('base64');
  return bytes.length === 0 ? undefined : bytes.toString('utf8');
}

function decodeValue(kind: Exclude<Kind, { map: unknown } | { repeated: unknown }>, wire: WireField): unknown {
  if (typeof kind === 'string') return scalar(kind, wire);
  const obj = decodeMessage(wire.bytes ?? Buffer.alloc(0), kind);
  return Object.keys(obj).length === 0 ? undefined : obj;
}

function addMapEntry(out: Record<string, unknown>, name: string, kind: 'string' | 'bytes', wire: WireField): void {
  const entry = decodeMessage(wire.bytes ?? Buffer.alloc(0), MAP_ENTRY[kind]);
  const map = (out[name] ??= {}) as Record<string, unknown>;
  map[typeof entry['key'] === 'string' ? entry['key'] : ''] = entry['value'] ?? '';
}

function addField(out: Record<string, unknown>, [name, kind]: [string, Kind], wire: WireField): void {
  if (typeof kind === 'object' && 'map' in kind) return addMapEntry(out, name, kind.map, wire);
  if (typeof kind === 'object' && 'repeated' in kind) {
    const list = (out[name] ??= []) as unknown[];
    list.push(decodeValue(kind.repeated, wire) ?? (kind.repeated === 'string' ? '' : {}));
    return;
  }
  const value = decodeValue(kind, wire);
  if (value === undefined) delete out[name];
  else out[name] = value;
}

function decodeMessage(bytes: Buffer, message: Message): Record<string, unknown> {
  const reader = new Reader(bytes);
  const out: Record<string, unknown> = {};
  while (!reader.done()) {
    const wire = reader.next();
    const field = message.fields[wire.field];
    if (field) addField(out, field, wire);
  }
  return out;
}

/** Whether a Content-Type is the protobuf encoding. */
export const isProtobuf = (contentType: string | undefined): boolean => (contentType ?? '').split(';')[0]?.trim() === PROTOBUF;

/** The runtime.Unknown after the magic: its TypeMeta and raw object bytes. */
function envelope(body: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) badProtobuf();
  const reader = new Reader(body.subarray(MAGIC.length));
  const found: { apiVersion: string; kind: string; raw: Buffer } = { apiVersion: '', kind: '', raw: Buffer.alloc(0) };
  while (!reader.done()) {
    const wire = reader.next();
    if (wire.field === 1) Object.assign(found, decodeMessage(wire.bytes ?? found.raw, TYPE_META));
    if (wire.field === 2) found.raw = wire.bytes ?? found.raw;
  }
  return found;
}

/** Decodes a protobuf request body into the object it encodes; 415 for a kind without a table. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  const { apiVersion, kind, raw } = envelope(body);
  const message = KINDS[`${apiVersion}/${kind}`];
  if (!message) throw apiError.unsupportedMediaType('the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
  return { apiVersion, kind, ...decodeMessage(raw, message) };
}
