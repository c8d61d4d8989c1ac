// Test support for the DNS server: a fake upstream resolver on loopback and a `dig` runner.
// Only *.test.ts files and benchmarks import this.
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { listenUdpAndTcp } from './listen.js';
import { CLASS_IN, RRType, type Message } from './message.js';

export interface FakeUpstream {
  /** "127.0.0.1:<port>", for the `upstream` option. */
  address: string;
  /** Queries received (names). */
  seen: string[];
  close(): Promise<void>;
}

/**
 * Answers A queries for names in `records` over UDP and TCP; names in `silent` get no answer
 * at all (an upstream that times out); anything else is NXDOMAIN.
 */
export async function startFakeUpstream(records: Record<string, string>, silent: string[] = []): Promise<FakeUpstream> {
  const seen: string[] = [];
  const answer = (bytes: Buffer): Buffer | undefined => {
    const q = decodeMessage(bytes);
    const question = q.questions[0];
    if (!question) return undefined;
    seen.push(question.name);
    if (silent.includes(question.name)) return undefined;
    const ip = records[question.name];
    const reply: Message = {
      header: { ...q.header, qr: true, ra: true, rcode: ip ? 0 : 3 },
      questions: [question],
      answers: ip && question.type === RRType.A ? [{ name: question.name, type: RRType.A, class: CLASS_IN, ttl: 30, data: { kind: 'A', address: ip } }] : [],
      authorities: [],
      additionals: [],
    };
    return encodeMessage(reply);
  };
  const tcp = createServer((sock) => {
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      const out = answer(chunk.subarray(2));
      if (!out) return;
      const len = Buffer.alloc(2);
      len.writeUInt16BE(out.length, 0);
      sock.end(Buffer.concat([len, out]));
    });
  });
  const { udp } = await listenUdpAndTcp('127.0.0.1', 0, (udp) => {
    udp.on('message', (msg, rinfo) => {
      const out = answer(msg);
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
  }, tcp);
  return {
    address: `127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

export interface DigResult {
  status: string;
  flags: string[];
  /** Answer lines as [name, ttl, class, type, ...data]. */
  answers: string[][];
  authority: string[][];
}

/** Runs `dig @127.0.0.1 -p <port> <args>` and parses the header, answer and authority sections. */
export function dig(port: number, args: string[]): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', '+noall', '+comments', '+answer', '+authority', ...args], { timeout: 20_000 }, (err, stdout) => {
      if (err) {
        reject(new Error(`dig ${args.join(' ')}: ${err.message}\n${stdout}`));
        return;
      }
      const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
      const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
      const sections: Record<string, string[][]> = { answer: [], authority: [] };
      let current: string | undefined;
      for (const line of stdout.split('\n')) {
        const header = /^;; (ANSWER|AUTHORITY|ADDITIONAL|OPT PSEUDO|QUESTION)/.exec(line);
        if (header) current = header[1]?.toLowerCase();
        else if (line.trim() && !line.startsWith(';') && current && sections[current]) sections[current]?.push(line.trim().split(/\s+/));
      }
      resolve({ status, flags, answers: sections['answer'] ?? [], authority: sections['authority'] ?? [] });
    });
  });
}
