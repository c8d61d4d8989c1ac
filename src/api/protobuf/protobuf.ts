// Kubernetes' protobuf wire encoding (`application/vnd.kubernetes.protobuf`), which kubectl
// 1.32+ uses for some request bodies: 4 magic bytes `k8s\0`, then a runtime.Unknown message
// {typeMeta(1){apiVersion(1), kind(2)}, raw(2), contentEncoding(3), contentType(4)} whose `raw`
// is the object encoded with the field numbers of the Kubernetes generated.proto files.
import type { KubeObject } from '../object.js';

/**
 * Decodes a protobuf request body into the JSON object form (apiVersion and kind set from the
 * envelope). Throws ApiError UnsupportedMediaType for a kind it cannot decode, BadRequest for
 * malformed bytes.
 */
export function decodeProtobufObject(_body: Uint8Array): KubeObject {
  throw new Error('not implemented');
}
