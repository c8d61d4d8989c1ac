// Messages whose JSON form is not an object with the message's fields: Kubernetes gives them
// custom JSON marshalling (apimachinery v1.33: meta/v1 time_proto.go, fields_proto.go,
// resource/quantity_proto.go, intstr, authentication/v1 ExtraValue).
import type { Json } from '../object.js';
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

export interface WellKnownCodec {
  /** `undefined` means "absent in JSON" (a zero Time). */
  decode(bytes: Uint8Array): Json | undefined;
  encode(value: unknown, path: string): Uint8Array;
}

export class EncodeError extends Error {
  constructor(path: string, expected: string) {
    super(`${path}: expected ${expected}`);
    this.name = 'EncodeError';
  }
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Reads the fields of a small message into a map of field number → last raw value. */
function readFields(bytes: Uint8Array): Map<number, number | Uint8Array> {
  const r = new WireReader(bytes);
  const out = new Map<number, number | Uint8Array>();
  while (!r.done) {
    const tag = r.readTag();
    if (tag.wireType === WireType.Varint) out.set(tag.fieldNumber, r.readSignedVarint());
    else if (tag.wireType === WireType.LengthDelimited) out.set(tag.fieldNumber, r.readBytes());
    else r.skip(tag.wireType);
  }
  return out;
}

function numberField(fields: Map<number, number | Uint8Array>, no: number): number {
  const v = fields.get(no);
  if (v === undefined) return 0;
  if (typeof v !== 'number') throw new WireError(`field ${no}: expected a varint`);
  return v;
}

function stringField(fields: Map<number, number | Uint8Array>, no: number): string {
  const v = fields.get(no);
  if (v === undefined) return '';
  if (typeof v === 'number') throw new WireError(`field ${no}: expected a string`);
  return utf8.decode(v);
}

function bytesField(fields: Map<number, number | Uint8Array>, no: number): Uint8Array | undefined {
  const v = fields.get(no);
  if (typeof v === 'number') throw new WireError(`field ${no}: expected bytes`);
  return v;
}

/**
 * metav1.Time: {seconds(1), nanos(2)}; an empty message is the zero time (omitted from JSON).
 * JSON carries whole seconds only, so nanos are dropped, as Kubernetes does.
 */
const time: WellKnownCodec = {
  decode(bytes) {
    if (bytes.length === 0) return undefined;
    const seconds = numberField(readFields(bytes), 1);
    const date = new Date(seconds * 1000);
    if (Number.isNaN(date.getTime())) throw new WireError(`time out of range: ${seconds}`);
    return formatRfc3339(date);
  },
  encode(value, path) {
    if (typeof value !== 'string') throw new EncodeError(path, 'an RFC 3339 time string');
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new EncodeError(path, 'an RFC 3339 time string');
    return new WireWriter().tag(1, WireType.Varint).signedVarint(Math.floor(ms / 1000)).finish();
  },
};

/** "2026-01-01T00:00:00Z": Go's time.RFC3339 in UTC, without fractional seconds. */
function formatRfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** resource.Quantity: {string(1)}; JSON is the canonical string ("0" when empty). */
const quantity: WellKnownCodec = {
  decode(bytes) {
    const s = stringField(readFields(bytes), 1);
    return s === '' ? '0' : s;
  },
  encode(value, path) {
    if (typeof value === 'number') value = String(value);
    if (typeof value !== 'string') throw new EncodeError(path, 'a quantity string');
    return new WireWriter().tag(1, WireType.LengthDelimited).bytes(utf8Encoder.encode(value)).finish();
  },
};

/** intstr.IntOrString: {type(1): 0 = int, 1 = string; intVal(2); strVal(3)}. */
const intOrString: WellKnownCodec = {
  decode(bytes) {
    const fields = readFields(bytes);
    return numberField(fields, 1) === 1 ? stringField(fields, 3) : numberField(fields, 2) | 0;
  },
  encode(value, path) {
    const w = new WireWriter();
    if (typeof value === 'number' && Number.isInteger(value)) {
      w.tag(1, WireType.Varint).varint(0).tag(2, WireType.Varint).signedVarint(value);
      w.tag(3, WireType.LengthDelimited).bytes(new Uint8Array());
    } else if (typeof value === 'string') {
      w.tag(1, WireType.Varint).varint(1).tag(2, WireType.Varint).varint(0);
      w.tag(3, WireType.LengthDelimited).bytes(utf8Encoder.encode(value));
    } else throw new EncodeError(path, 'an integer or a string');
    return w.finish();
  },
};

/** metav1.FieldsV1: {Raw(1)} holding JSON; JSON is that document itself. */
const fieldsV1: WellKnownCodec = {
  decode(bytes) {
    const raw = bytesField(readFields(bytes), 1);
    if (!raw || raw.length === 0) return undefined;
    try {
      return JSON.parse(utf8.decode(raw)) as Json;
    } catch {
      throw new WireError('fieldsV1 is not valid JSON');
    }
  },
  encode(value) {
    const raw = utf8Encoder.encode(JSON.stringify(value));
    return new WireWriter().tag(1, WireType.LengthDelimited).bytes(raw).finish();
  },
};

/** A named Go slice type ({items(1) repeated string}); JSON is the plain array. */
const stringList: WellKnownCodec = {
  decode(bytes) {
    const r = new WireReader(bytes);
    const items: string[] = [];
    while (!r.done) {
      const tag = r.readTag();
      if (tag.fieldNumber === 1 && tag.wireType === WireType.LengthDelimited) items.push(utf8.decode(r.readBytes()));
      else r.skip(tag.wireType);
    }
    return items;
  },
  encode(value, path) {
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
      throw new EncodeError(path, 'an array of strings');
    }
    const w = new WireWriter();
    for (const item of value) w.tag(1, WireType.LengthDelimited).bytes(utf8Encoder.encode(item));
    return w.finish();
  },
};

export const wellKnownCodecs: Readonly<Record<string, WellKnownCodec>> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': time,
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': fieldsV1,
  'k8s.io.apimachinery.pkg.api.resource.Quantity': quantity,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': intOrString,
  'k8s.io.api.authentication.v1.ExtraValue': stringList,
};
