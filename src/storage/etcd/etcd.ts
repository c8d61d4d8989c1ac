// The HA Storage: an etcd v3 cluster through the `etcd3` client's raw gRPC services. CAS is a
// transaction comparing the key's mod (or create) revision, exactly as Kubernetes itself uses
// etcd; TTLs are leases; watches are one gRPC watch stream each, started at afterRevision + 1
// with prev_kv so delete events carry the last value, all multiplexed on one stream (watch-mux.ts). etcd's revision is global to the
// cluster, so with a key prefix the revisions seen here also count other prefixes' writes.
import { Etcd3, type IKeyValue, type IResponseHeader, type IWatchResponse, type IEvent } from 'etcd3';
import {
  CompactedError,
  StorageUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
} from '../storage.js';
import { assertValidKey, assertValidPrefix, assertValidTtl, assertValidValue } from '../validate.js';
import { EventQueue } from '../event-queue.js';
import { prefixEnd } from '../prefix.js';
import { WatchMux } from './watch-mux.js';

export interface EtcdConnectOptions {
  /** Prepended to every key, so several stores can share one cluster ("" by default). */
  prefix?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;

export class EtcdStorage implements Storage {
  readonly backend = 'etcd';
  /** The highest compact revision this client has seen; etcd's range errors do not tell it. */
  private knownCompactRevision = 0;
  private readonly watchStops = new Set<() => void>();
  private readonly watches: WatchMux;
  private closed = false;

  /** Connects and checks that the cluster answers; StorageUnavailableError names the endpoints otherwise. */
  static async connect(endpoints: string[], options: EtcdConnectOptions = {}): Promise<EtcdStorage> {
    if (endpoints.length === 0) throw new StorageUnavailableError('etcd: no endpoints given');
    const hosts = endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
    const client = new Etcd3({
      hosts,
      dialTimeout: CONNECT_TIMEOUT_MS,
      grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 8 * 1024 * 1024 },
    });
    const storage = new EtcdStorage(client, hosts.join(','), options.prefix ?? '');
    try {
      await client.kv.range({ key: Buffer.from(storage.prefix + '/'), count_only: true }, { deadline: Date.now() + CONNECT_TIMEOUT_MS });
    } catch (err) {
      client.close();
      throw new StorageUnavailableError(`etcd at ${storage.endpoints} is unreachable: ${describe(err)}`, { cause: err });
    }
    return storage;
  }

  private constructor(
    private readonly client: Etcd3,
    private readonly endpoints: string,
    private readonly prefix: string,
  ) {
    this.watches = new WatchMux(client);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: this.k('/'), count_only: true }));
    return rev(res.header);
  }

  async get(key: string): Promise<{ revision: number; kv?: KeyValue }> {
    assertValidKey(key);
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: this.k(key) }));
    const found = res.kvs[0];
    return found ? { revision: rev(res.header), kv: this.toKv(found) } : { revision: rev(res.header) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : 0;
    // Keys never hold NUL, so after + "\0" is the smallest key sorting after `after`.
    const start = options.after !== undefined && options.after >= prefix ? options.after + '\0' : prefix;
    const revision = options.revision !== undefined && options.revision > 0 ? options.revision : 0;
    const res = await this.call(
      () => this.client.kv.range({ key: this.k(start), range_end: this.k(prefixEnd(prefix)), limit, revision }),
      revision,
    );
    return { revision: revision || rev(res.header), kvs: res.kvs.map((kv) => this.toKv(kv)), more: res.more };
  }

  async count(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: this.k(prefix), range_end: this.k(prefixEnd(prefix)), count_only: true }));
    return Number(res.count);
  }

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const k = this.k(key);
    const lease = await this.grantLease(options.ttlSeconds);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: asBuffer(value), lease } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      return current ? { ok: false, reason: 'exists', current: this.toKv(current) } : { ok: false, reason: 'exists' };
    }
    const r = rev(res.header);
    return { ok: true, kv: { key, value: Buffer.from(value), createRevision: r, modRevision: r } };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    assertValidKey(key);
    assertValidValue(value);
    assertValidTtl(options.ttlSeconds);
    this.assertOpen();
    const k = this.k(key);
    const lease = await this.grantLease(options.ttlSeconds);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [
          // A missing key has mod revision 0; comparing the create revision keeps an update from creating it.
          { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
          { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision },
        ],
        // Like Kubernetes: a put without a lease detaches the key from any earlier lease.
        success: [{ request_put: { key: k, value: asBuffer(value), lease, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      return current ? { ok: false, reason: 'conflict', current: this.toKv(current) } : { ok: false, reason: 'not-found' };
    }
    const prev = res.responses[0]?.response_put.prev_kv;
    const createRevision = prev ? Number(prev.create_revision) : rev(res.header);
    return { ok: true, kv: { key, value: Buffer.from(value), createRevision, modRevision: rev(res.header) } };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    assertValidKey(key);
    this.assertOpen();
    const k = this.k(key);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [
          { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
          ...(expectedModRevision === undefined ? [] : [{ key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedModRevision }]),
        ],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      return current ? { ok: false, reason: 'conflict', current: this.toKv(current) } : { ok: false, reason: 'not-found' };
    }
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) return { ok: false, reason: 'not-found' };
    return { ok: true, kv: { ...this.toKv(prev), modRevision: rev(res.header) } };
  }

  async *watch(prefix: string, options: WatchOptions): AsyncIterable<StorageEvent> {
    assertValidPrefix(prefix);
    this.assertOpen();
    const { afterRevision, signal } = options;
    const queue = new EventQueue<StorageEvent>(signal);
    const cancel = await this.call(() =>
      this.watches.add(
        { key: this.k(prefix), range_end: this.k(prefixEnd(prefix)), start_revision: afterRevision + 1, prev_kv: true },
        {
          onResponse: (res) => this.onWatchResponse(res, afterRevision, queue),
          onFailure: (err) => queue.fail(new StorageUnavailableError(`etcd watch at ${this.endpoints} failed: ${describe(err)}`, { cause: err })),
        },
      ),
    );
    const stop = (): void => queue.end();
    this.watchStops.add(stop);
    try {
      while (true) {
        const event = await queue.next();
        if (event === undefined) return;
        yield event;
      }
    } finally {
      this.watchStops.delete(stop);
      cancel();
      queue.dispose();
    }
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      // Compacting at or below an earlier compaction is a no-op by this interface's contract.
      if (!isCompactedError(err)) throw this.unavailable(err);
    }
    this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.watchStops) stop();
    this.watchStops.clear();
    this.watches.close();
    this.client.close();
  }

  private onWatchResponse(res: IWatchResponse, afterRevision: number, queue: EventQueue<StorageEvent>): void {
    const compactRevision = Number(res.compact_revision);
    if (compactRevision > 0) {
      this.knownCompactRevision = Math.max(this.knownCompactRevision, compactRevision);
      queue.fail(new CompactedError(afterRevision, compactRevision));
      return;
    }
    if (res.canceled) {
      queue.fail(new StorageUnavailableError(`etcd at ${this.endpoints} cancelled a watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    for (const event of res.events) queue.push(this.toEvent(event));
  }

  private toEvent(event: IEvent): StorageEvent {
    const prev = event.prev_kv ? this.toKv(event.prev_kv) : undefined;
    if (event.type === 'Delete') {
      // etcd's delete event holds only the key and revision; the last value comes from prev_kv.
      const kv: KeyValue = {
        key: this.unprefix(event.kv.key),
        value: prev?.value ?? new Uint8Array(0),
        createRevision: prev?.createRevision ?? 0,
        modRevision: Number(event.kv.mod_revision),
      };
      return prev ? { type: 'delete', kv, prev } : { type: 'delete', kv };
    }
    const kv = this.toKv(event.kv);
    return prev ? { type: 'put', kv, prev } : { type: 'put', kv };
  }

  private async grantLease(ttlSeconds: number | undefined): Promise<string | undefined> {
    if (ttlSeconds === undefined) return undefined;
    const res = await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    return res.ID;
  }

  /** Runs one RPC; connection failures become StorageUnavailableError, compaction CompactedError. */
  private async call<T>(fn: () => Promise<T>, requestedRevision = 0): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isCompactedError(err)) throw new CompactedError(requestedRevision, this.knownCompactRevision);
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): StorageUnavailableError {
    return new StorageUnavailableError(`etcd at ${this.endpoints}: ${describe(err)}`, { cause: err });
  }

  private k(key: string): Buffer {
    return Buffer.from(this.prefix + key);
  }

  private unprefix(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length);
  }

  private toKv(kv: IKeyValue): KeyValue {
    return {
      key: this.unprefix(kv.key),
      value: kv.value,
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageUnavailableError(`etcd storage for ${this.endpoints} is closed`);
  }
}

function rev(header: IResponseHeader): number {
  return Number(header.revision);
}

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function isCompactedError(err: unknown): boolean {
  return err instanceof Error && /required revision has been compacted/.test(err.message);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
