// All watches of one EtcdStorage share one gRPC watch stream, as etcd's own clients do: a
// stream per watch costs an HTTP/2 stream each, and a thousand of them trip the client's
// circuit breaker. Each watch picks its own watch_id (supported since etcd 3.4), so responses
// route by id without relying on the order of "created" replies.
import type { Etcd3, IWatchCreateRequest, IWatchResponse } from 'etcd3';

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

export interface WatchSubscriber {
  onResponse(res: IWatchResponse): void;
  /** The shared stream broke; the watch cannot continue. */
  onFailure(err: unknown): void;
}

export class WatchMux {
  private stream: Promise<WatchStream> | undefined;
  private readonly subscribers = new Map<string, WatchSubscriber>();
  private nextId = 1;

  constructor(private readonly client: Etcd3) {}

  /** Starts a watch; returns the function that cancels it. The stream stays open until close(). */
  async add(request: Omit<IWatchCreateRequest, 'watch_id'>, subscriber: WatchSubscriber): Promise<() => void> {
    const stream = await this.open();
    const id = String(this.nextId++);
    this.subscribers.set(id, subscriber);
    stream.write({ create_request: { ...request, watch_id: id } });
    return () => {
      if (!this.subscribers.delete(id)) return;
      stream.write({ cancel_request: { watch_id: id } });
    };
  }

  close(): void {
    const stream = this.stream;
    this.stream = undefined;
    void stream?.then((s) => s.cancel(), () => undefined);
  }

  private open(): Promise<WatchStream> {
    if (this.stream) return this.stream;
    const opening = this.client.watchClient.watch().then((stream) => {
      stream.on('data', (res: IWatchResponse) => this.subscribers.get(String(res.watch_id))?.onResponse(res));
      const broken = (err: unknown): void => {
        if (this.stream !== opening) return;
        this.stream = undefined;
        const subscribers = [...this.subscribers.values()];
        this.subscribers.clear();
        for (const s of subscribers) s.onFailure(err);
      };
      stream.on('error', broken);
      stream.on('end', () => broken(new Error('watch stream ended')));
      return stream;
    });
    this.stream = opening;
    opening.catch(() => {
      if (this.stream === opening) this.stream = undefined;
    });
    return opening;
  }
}
