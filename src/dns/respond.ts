// One query in, one response out: decoding, the cluster zone or forwarding, EDNS(0) payload
// size and truncation (RFC 1035 §4.2.1, RFC 6891). Transport-independent.
import { decodeHeader, decodeMessage, DecodeError } from './decode.js';
import { encodeMessage } from './encode.js';
import { resolveCluster, soaRecord, type ClusterView } from './cluster-records.js';
import { CLASS_IN, RCode, RRType, type Header, type Message, type Question, type ResourceRecord } from './message.js';

export interface ResponderContext {
  transport: 'udp' | 'tcp';
  view: ClusterView;
  zone: string;
  /** Relays a query upstream; undefined when no upstream answered. */
  forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined>;
  /** False until the caches have synced: cluster names are then SERVFAIL rather than wrong. */
  ready(): boolean;
}

/** The payload size this server offers and honours over UDP with EDNS(0) (the DNS Flag Day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

/** The response bytes, or undefined when the packet deserves no answer (not a query, no header). */
export async function respond(query: Buffer, ctx: ResponderContext): Promise<Buffer | undefined> {
  let header: Header;
  try {
    header = decodeHeader(query);
  } catch {
    return undefined;
  }
  if (header.qr) return undefined;
  let msg: Message;
  try {
    msg = decodeMessage(query);
  } catch (err) {
    if (err instanceof DecodeError) return reply(header, undefined, RCode.FormErr);
    throw err;
  }
  if (header.opcode !== 0) return reply(header, msg.questions[0], RCode.NotImp);
  const q = msg.questions[0];
  const opts = msg.additionals.filter((r) => r.type === RRType.OPT);
  if (!q || msg.questions.length !== 1 || opts.length > 1) return reply(header, q, RCode.FormErr);
  const edns = opts[0];
  const limit = ctx.transport === 'tcp' ? 0xffff : edns ? Math.min(Math.max(edns.class, 512), EDNS_UDP_SIZE) : 512;
  if (q.class !== CLASS_IN) return reply(header, q, RCode.Refused, { edns: !!edns });
  const res = resolveCluster(q, ctx.view, ctx.zone);
  if (res.kind === 'forward') {
    const answer = await ctx.forward(query, ctx.transport);
    return answer ?? reply(header, q, RCode.ServFail, { edns: !!edns });
  }
  if (!ctx.ready()) return reply(header, q, RCode.ServFail, { edns: !!edns });
  const response: Message = {
    header: responseHeader(header, res.kind === 'nxdomain' ? RCode.NXDomain : RCode.NoError, true),
    questions: [q],
    answers: res.kind === 'answer' ? res.answers : [],
    authorities: res.kind === 'answer' ? [] : [soaRecord(ctx.zone)],
    additionals: res.kind === 'answer' ? res.additionals : [],
  };
  if (edns) response.additionals.push(optRecord());
  const bytes = encodeMessage(response);
  if (bytes.length <= limit) return bytes;
  // Too large for the client's datagram: say so and let it retry over TCP.
  return encodeMessage({ ...response, header: { ...response.header, tc: true }, answers: [], authorities: [], additionals: edns ? [optRecord()] : [] });
}

function responseHeader(query: Header, rcode: number, authoritative: boolean): Header {
  return { id: query.id, qr: true, opcode: query.opcode, aa: authoritative, tc: false, rd: query.rd, ra: true, ad: false, cd: query.cd, rcode };
}

function optRecord(): ResourceRecord {
  return { name: '', type: RRType.OPT, class: EDNS_UDP_SIZE, ttl: 0, data: { kind: 'RAW', bytes: new Uint8Array(0) } };
}

function reply(query: Header, q: Question | undefined, rcode: number, o: { edns?: boolean } = {}): Buffer {
  return encodeMessage({
    header: responseHeader(query, rcode, false),
    questions: q ? [q] : [],
    answers: [],
    authorities: [],
    additionals: o.edns ? [optRecord()] : [],
  });
}
