// Kubernetes' protobuf wire encoding (`application/vnd.kubernetes.protobuf`), which kubectl
// 1.32+ uses for some request bodies: 4 magic bytes `k8s\0`, then a runtime.Unknown message
// {typeMeta(1){apiVersion(1), kind(2)}, raw(2), contentEncoding(3), contentType(4)} whose `raw`
// is the object encoded with the field numbers of the Kubernetes generated.proto files.
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { messageForKind, supportedKinds } from './kinds.js';
import { EncodeError } from './well-known.js';
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00); // "k8s\0"

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/**
 * Decodes a protobuf request body into the JSON object form (apiVersion and kind set from the
 * envelope). Throws ApiError UnsupportedMediaType for a kind it cannot decode, BadRequest for
 * malformed bytes; never anything else.
 */
export function decodeProtobufObject(body: Uint8Array): KubeObject {
  if (body.length < MAGIC.length || !MAGIC.every((b, i) => body[i] === b)) {
    throw ApiError.badRequest('protobuf body does not start with the Kubernetes magic prefix "k8s\\x00"');
  }
  let envelope: Unknown;
  try {
    envelope = readUnknown(body.subarray(MAGIC.length));
  } catch (err) {
    throw malformed(err);
  }
  const { apiVersion, kind } = envelope;
  if (envelope.contentEncoding !== '') {
    throw new ApiError('UnsupportedMediaType', `protobuf content encoding "${envelope.contentEncoding}" is not supported`);
  }
  if (envelope.contentType !== '' && envelope.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ApiError('UnsupportedMediaType', `protobuf content type "${envelope.contentType}" is not supported`);
  }
  const messageName = messageForKind(apiVersion, kind);
  if (!messageName) throw unsupportedKind(apiVersion, kind);
  let fields: Record<string, unknown>;
  try {
    fields = decodeMessage(envelope.raw, messageName);
  } catch (err) {
    throw malformed(err, `${apiVersion}, Kind=${kind}`);
  }
  return { apiVersion, kind, ...fields };
}

/**
 * Encodes an object of a supported kind as a protobuf body (magic prefix + runtime.Unknown).
 * Throws ApiError NotAcceptable for kinds without a schema, InternalError for a value whose
 * shape does not match the schema.
 */
export function encodeProtobufObject(obj: KubeObject): Uint8Array {
  const apiVersion = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  const messageName = messageForKind(apiVersion, kind);
  if (!messageName) {
    throw new ApiError('NotAcceptable', `the protobuf encoding is not available for ${apiVersion}, Kind=${kind}`);
  }
  let raw: Uint8Array;
  try {
    raw = encodeMessage(obj, messageName);
  } catch (err) {
    if (err instanceof EncodeError) throw ApiError.internal(`cannot encode ${kind} as protobuf: ${err.message}`);
    throw err;
  }
  const typeMeta = new WireWriter()
    .tag(1, WireType.LengthDelimited)
    .bytes(utf8Encoder.encode(apiVersion))
    .tag(2, WireType.LengthDelimited)
    .bytes(utf8Encoder.encode(kind))
    .finish();
  const unknown = new WireWriter()
    .tag(1, WireType.LengthDelimited)
    .bytes(typeMeta)
    .tag(2, WireType.LengthDelimited)
    .bytes(raw)
    .tag(3, WireType.LengthDelimited)
    .bytes(new Uint8Array())
    .tag(4, WireType.LengthDelimited)
    .bytes(new Uint8Array())
    .finish();
  const out = new Uint8Array(MAGIC.length + unknown.length);
  out.set(MAGIC);
  out.set(unknown, MAGIC.length);
  return out;
}

function readUnknown(bytes: Uint8Array): Unknown {
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.readTag();
    if (tag.wireType !== WireType.LengthDelimited) {
      r.skip(tag.wireType);
      continue;
    }
    const value = r.readBytes();
    if (tag.fieldNumber === 1) readTypeMeta(value, out);
    else if (tag.fieldNumber === 2) out.raw = value;
    else if (tag.fieldNumber === 3) out.contentEncoding = utf8.decode(value);
    else if (tag.fieldNumber === 4) out.contentType = utf8.decode(value);
  }
  return out;
}

function readTypeMeta(bytes: Uint8Array, out: Unknown): void {
  const r = new WireReader(bytes);
  while (!r.done) {
    const tag = r.readTag();
    if (tag.wireType !== WireType.LengthDelimited) {
      r.skip(tag.wireType);
      continue;
    }
    const value = utf8.decode(r.readBytes());
    if (tag.fieldNumber === 1) out.apiVersion = value;
    else if (tag.fieldNumber === 2) out.kind = value;
  }
}

function unsupportedKind(apiVersion: string, kind: string): ApiError {
  const supported = supportedKinds()
    .map((k) => `${k.apiVersion}/${k.kind}`)
    .join(', ');
  const what = kind ? `${apiVersion || '<no apiVersion>'}, Kind=${kind}` : 'an object without a kind';
  return new ApiError(
    'UnsupportedMediaType',
    `the server cannot decode ${what} from ${PROTOBUF_MEDIA_TYPE}; send it as application/json (protobuf is supported for ${supported})`,
  );
}

function malformed(err: unknown, what = 'object'): ApiError {
  // WireError is the expected case; anything else (e.g. a RangeError on hostile input) is still
  // the body's fault, and callers are promised an ApiError.
  const detail = err instanceof WireError ? err.message : err instanceof Error ? err.message : String(err);
  return ApiError.badRequest(`failed to decode protobuf ${what}: ${detail}`);
}
