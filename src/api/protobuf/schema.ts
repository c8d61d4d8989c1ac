// The declarative shape of a Kubernetes protobuf message: for each field its number on the wire,
// its name in JSON and its type. Message names are the full proto names of Kubernetes'
// generated.proto files (e.g. `k8s.io.api.core.v1.PodSpec`).

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';

export type FieldType =
  | ScalarType
  | { readonly message: string }
  /** proto2 `map<string, V>`: repeated entries {key(1), value(2)}; JSON is an object. */
  | { readonly map: ScalarType | { readonly message: string } };

export interface FieldSpec {
  readonly no: number;
  readonly json: string;
  readonly type: FieldType;
  readonly repeated?: boolean;
  /**
   * A zero value on the wire is kept in JSON: the Go field is a pointer (`replicas: 0` is a real
   * value) or has no `omitempty` (`containerPort`, `allowed`). Without this flag zero scalars are
   * dropped, because Go writes every non-pointer scalar to protobuf even when it is zero while
   * its JSON form omits it.
   */
  readonly keepZero?: boolean;
  /** A Go struct embedded with `json:",inline"`: its fields appear at this level in JSON. */
  readonly inline?: boolean;
}

export type MessageSpec = readonly FieldSpec[];

export type MessageTable = Readonly<Record<string, MessageSpec>>;
