// A typed runtime.v1 client over grpc-js. Every call carries a deadline; gRPC failures become
// CriError with the status code, so callers can tell NOT_FOUND (done, for stop/remove) from
// real failures. The .proto ships next to this file (dist/ gets a copy at build time).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ImageMethods, RuntimeMethods } from './cri-types.js';

export const GrpcCode = grpc.status;

export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${method}: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'CriError';
  }
}

export function isCriError(err: unknown, code: grpc.status): err is CriError {
  return err instanceof CriError && err.code === code;
}

/** The proto next to this module, or in the source tree when running from an unfixed dist/. */
function protoPath(): string {
  const candidates = [
    new URL('./api.proto', import.meta.url),
    new URL('../../../../src/kubelet/runtime/containerd/api.proto', import.meta.url),
  ];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error(`the CRI proto (api.proto) is missing next to ${fileURLToPath(import.meta.url)}`);
}

interface ServiceConstructor {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions): grpc.Client;
}

function isServiceConstructor(v: unknown): v is ServiceConstructor {
  return typeof v === 'function';
}

let loaded: { runtime: ServiceConstructor; image: ServiceConstructor } | undefined;

function services(): { runtime: ServiceConstructor; image: ServiceConstructor } {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(protoPath(), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const runtime = definition['runtime.v1.RuntimeService'];
  const image = definition['runtime.v1.ImageService'];
  const grpcObject = grpc.loadPackageDefinition({ 'runtime.v1.RuntimeService': runtime ?? {}, 'runtime.v1.ImageService': image ?? {} });
  const ns = grpcObject['runtime'];
  const v1 = ns && typeof ns === 'object' && 'v1' in ns ? ns.v1 : undefined;
  const r = v1 && typeof v1 === 'object' && 'RuntimeService' in v1 ? v1.RuntimeService : undefined;
  const i = v1 && typeof v1 === 'object' && 'ImageService' in v1 ? v1.ImageService : undefined;
  if (!isServiceConstructor(r) || !isServiceConstructor(i)) throw new Error('api.proto does not define runtime.v1 RuntimeService and ImageService');
  loaded = { runtime: r, image: i };
  return loaded;
}

/** `unix:///abs/path` from a socket path or an endpoint URL. */
export function grpcAddress(endpoint: string): string {
  if (endpoint.startsWith('unix://')) {
    const path = endpoint.slice('unix://'.length);
    return `unix://${path.startsWith('/') ? path : `/${path}`}`;
  }
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  return endpoint;
}

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, cb: Callback) => void;

function unaryMethod(client: grpc.Client, method: string): UnaryMethod {
  const fn: unknown = Reflect.get(client, method);
  if (typeof fn !== 'function') throw new Error(`the CRI client has no method ${method}`);
  return (req, metadata, options, cb) => {
    Reflect.apply(fn, client, [req, metadata, options, cb]);
  };
}

export class CriClient {
  private readonly runtimeClient: grpc.Client;
  private readonly imageClient: grpc.Client;

  constructor(endpoint: string) {
    const { runtime, image } = services();
    const address = grpcAddress(endpoint);
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': 16 * 1024 * 1024 + 1024,
      // Reconnect quickly after a containerd restart.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
    };
    this.runtimeClient = new runtime(address, grpc.credentials.createInsecure(), options);
    this.imageClient = new image(address, grpc.credentials.createInsecure(), options);
  }

  runtime<M extends keyof RuntimeMethods>(method: M, req: RuntimeMethods[M][0], timeoutMs: number): Promise<RuntimeMethods[M][1]> {
    return this.call(this.runtimeClient, method, req, timeoutMs) as Promise<RuntimeMethods[M][1]>;
  }

  image<M extends keyof ImageMethods>(method: M, req: ImageMethods[M][0], timeoutMs: number): Promise<ImageMethods[M][1]> {
    return this.call(this.imageClient, method, req, timeoutMs) as Promise<ImageMethods[M][1]>;
  }

  close(): void {
    this.runtimeClient.close();
    this.imageClient.close();
  }

  private call(client: grpc.Client, method: string, req: unknown, timeoutMs: number): Promise<unknown> {
    const fn = unaryMethod(client, method);
    return new Promise((resolve, reject) => {
      // waitForReady: during a containerd restart calls wait (within their deadline) instead
      // of failing at once with UNAVAILABLE.
      fn(req, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new CriError(method, err.code, err.details || err.message));
        else resolve(res);
      });
    });
  }
}
