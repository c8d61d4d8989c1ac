// Schema-driven conversion between protobuf message bytes and the Kubernetes JSON form.
//
// Decoding follows what the Go API server does (unmarshal into the Go struct, then marshal JSON):
// unknown fields are skipped, zero scalars are dropped unless the field keeps them (see
// FieldSpec.keepZero), messages present on the wire appear even when empty (`resources: {}`),
// bytes become base64 strings, well-known messages get their own JSON form.
import type { Json, JsonObject } from '../object.js';
import { isPlainObject } from '../object.js';
import { messageSpec } from './messages/index.js';
import type { FieldSpec, FieldType, ScalarType } from './schema.js';
import { EncodeError, wellKnownCodecs } from './well-known.js';
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

/** Deeper nesting than any Kubernetes object needs; bounds recursion on hostile input. */
const MAX_DEPTH = 100;

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

const fieldIndexCache = new Map<string, Map<number, FieldSpec>>();

function fieldIndex(messageName: string): Map<number, FieldSpec> {
  let index = fieldIndexCache.get(messageName);
  if (!index) {
    index = new Map(requireSpec(messageName).map((f) => [f.no, f]));
    fieldIndexCache.set(messageName, index);
  }
  return index;
}

function requireSpec(messageName: string): readonly FieldSpec[] {
  const spec = messageSpec(messageName);
  if (!spec) throw new Error(`protobuf schema has no message ${messageName}`);
  return spec;
}

// --- decoding ---

/** Decodes one message; throws WireError on malformed bytes. */
export function decodeMessage(bytes: Uint8Array, messageName: string): JsonObject {
  const out: JsonObject = {};
  decodeInto(out, bytes, messageName, 0);
  return out;
}

function decodeInto(target: JsonObject, bytes: Uint8Array, messageName: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new WireError('message nesting too deep');
  const index = fieldIndex(messageName);
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.readTag();
    const field = index.get(tag.fieldNumber);
    if (!field) {
      r.skip(tag.wireType);
      continue;
    }
    readField(target, field, tag.wireType, r, depth);
  }
}

function readField(target: JsonObject, field: FieldSpec, wireType: WireType, r: WireReader, depth: number): void {
  const { type } = field;
  if (typeof type === 'string') {
    if (field.repeated) {
      const list = arrayAt(target, field.json);
      if (wireType === WireType.LengthDelimited && isPackable(type)) {
        const packed = new WireReader(r.readBytes());
        while (!packed.done) list.push(readScalar(packed, type, packedWireType(type)));
      } else list.push(readScalar(r, type, wireType));
      return;
    }
    const value = readScalar(r, type, wireType);
    if (field.keepZero || !isZero(value)) target[field.json] = value;
    else delete target[field.json];
    return;
  }
  expectWireType(wireType, WireType.LengthDelimited, field.json);
  const bytes = r.readBytes();
  if ('map' in type) {
    const map = objectAt(target, field.json);
    const [key, value] = readMapEntry(bytes, type.map, depth + 1);
    map[key] = value;
    return;
  }
  const codec = wellKnownCodecs[type.message];
  if (codec) {
    const value = codec.decode(bytes);
    if (field.repeated) arrayAt(target, field.json).push(value ?? null);
    else if (value === undefined) delete target[field.json];
    else target[field.json] = value;
    return;
  }
  if (field.inline) {
    decodeInto(target, bytes, type.message, depth + 1);
  } else if (field.repeated) {
    const item: JsonObject = {};
    decodeInto(item, bytes, type.message, depth + 1);
    arrayAt(target, field.json).push(item);
  } else {
    // A repeated occurrence of a singular message merges into the first, as in protobuf.
    decodeInto(objectAt(target, field.json), bytes, type.message, depth + 1);
  }
}

function readMapEntry(bytes: Uint8Array, valueType: ScalarType | { message: string }, depth: number): [string, Json] {
  const r = new WireReader(bytes);
  let key = '';
  let value: Json | undefined;
  while (!r.done) {
    const tag = r.readTag();
    if (tag.fieldNumber === 1) {
      expectWireType(tag.wireType, WireType.LengthDelimited, 'map key');
      key = utf8.decode(r.readBytes());
    } else if (tag.fieldNumber === 2) {
      if (typeof valueType === 'string') value = readScalar(r, valueType, tag.wireType);
      else {
        expectWireType(tag.wireType, WireType.LengthDelimited, 'map value');
        value = decodeMapMessage(r.readBytes(), valueType.message, depth);
      }
    } else r.skip(tag.wireType);
  }
  if (value === undefined) {
    value = typeof valueType === 'string' ? zeroOf(valueType) : decodeMapMessage(new Uint8Array(), valueType.message, depth);
  }
  return [key, value];
}

function decodeMapMessage(bytes: Uint8Array, messageName: string, depth: number): Json {
  const codec = wellKnownCodecs[messageName];
  if (codec) return codec.decode(bytes) ?? null;
  const out: JsonObject = {};
  decodeInto(out, bytes, messageName, depth);
  return out;
}

function readScalar(r: WireReader, type: ScalarType, wireType: WireType): Json {
  switch (type) {
    case 'string':
      expectWireType(wireType, WireType.LengthDelimited, type);
      return utf8.decode(r.readBytes());
    case 'bytes':
      expectWireType(wireType, WireType.LengthDelimited, type);
      return Buffer.from(r.readBytes()).toString('base64');
    case 'int32':
      expectWireType(wireType, WireType.Varint, type);
      return r.readSignedVarint() | 0;
    case 'int64':
      expectWireType(wireType, WireType.Varint, type);
      return r.readSignedVarint();
    case 'bool':
      expectWireType(wireType, WireType.Varint, type);
      return r.readVarint() !== 0;
    case 'double':
      expectWireType(wireType, WireType.Fixed64, type);
      return r.readDouble();
  }
}

function isPackable(type: ScalarType): boolean {
  return type !== 'string' && type !== 'bytes';
}

function packedWireType(type: ScalarType): WireType {
  return type === 'double' ? WireType.Fixed64 : WireType.Varint;
}

function expectWireType(actual: WireType, expected: WireType, what: string): void {
  if (actual !== expected) throw new WireError(`${what}: wire type ${actual}, expected ${expected}`);
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function zeroOf(type: ScalarType): Json {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

function arrayAt(target: JsonObject, key: string): Json[] {
  const existing = target[key];
  if (Array.isArray(existing)) return existing;
  const list: Json[] = [];
  target[key] = list;
  return list;
}

function objectAt(target: JsonObject, key: string): JsonObject {
  const existing = target[key];
  if (isPlainObject(existing)) return existing as JsonObject;
  const obj: JsonObject = {};
  target[key] = obj;
  return obj;
}

// --- encoding ---

/** Encodes the JSON form of a message; throws EncodeError when a value has the wrong shape. */
export function encodeMessage(value: Record<string, unknown>, messageName: string, path = ''): Uint8Array {
  const w = new WireWriter();
  writeMessage(w, value, messageName, path);
  return w.finish();
}

function writeMessage(w: WireWriter, obj: Record<string, unknown>, messageName: string, path: string): void {
  for (const field of requireSpec(messageName)) {
    const at = path ? `${path}.${field.json}` : field.json;
    if (field.inline) {
      if (typeof field.type !== 'object' || !('message' in field.type)) continue;
      w.tag(field.no, WireType.LengthDelimited).bytes(encodeMessage(obj, field.type.message, path));
      continue;
    }
    const value = obj[field.json];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new EncodeError(at, 'an array');
      value.forEach((item: unknown, i) => writeValue(w, field.no, field.type, item, `${at}[${i}]`));
    } else writeValue(w, field.no, field.type, value, at);
  }
}

function writeValue(w: WireWriter, no: number, type: FieldType, value: unknown, path: string): void {
  if (typeof type === 'string') {
    writeScalar(w, no, type, value, path);
    return;
  }
  if ('map' in type) {
    if (!isPlainObject(value)) throw new EncodeError(path, 'an object');
    for (const [key, item] of Object.entries(value)) {
      const entry = new WireWriter();
      entry.tag(1, WireType.LengthDelimited).bytes(utf8Encoder.encode(key));
      writeValue(entry, 2, typeof type.map === 'string' ? type.map : { message: type.map.message }, item, `${path}.${key}`);
      w.tag(no, WireType.LengthDelimited).bytes(entry.finish());
    }
    return;
  }
  const codec = wellKnownCodecs[type.message];
  if (codec) {
    w.tag(no, WireType.LengthDelimited).bytes(codec.encode(value, path));
    return;
  }
  if (!isPlainObject(value)) throw new EncodeError(path, 'an object');
  w.tag(no, WireType.LengthDelimited).bytes(encodeMessage(value, type.message, path));
}

function writeScalar(w: WireWriter, no: number, type: ScalarType, value: unknown, path: string): void {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new EncodeError(path, 'a string');
      w.tag(no, WireType.LengthDelimited).bytes(utf8Encoder.encode(value));
      return;
    case 'bytes':
      if (typeof value !== 'string') throw new EncodeError(path, 'a base64 string');
      w.tag(no, WireType.LengthDelimited).bytes(Buffer.from(value, 'base64'));
      return;
    case 'int32':
    case 'int64':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new EncodeError(path, 'an integer');
      w.tag(no, WireType.Varint).signedVarint(value);
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new EncodeError(path, 'a boolean');
      w.tag(no, WireType.Varint).varint(value ? 1 : 0);
      return;
    case 'double':
      if (typeof value !== 'number') throw new EncodeError(path, 'a number');
      w.tag(no, WireType.Fixed64).double(value);
      return;
  }
}
