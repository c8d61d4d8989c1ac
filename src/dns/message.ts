// DNS messages (RFC 1035 §4) as plain data, shared by the decoder and the encoder. Names are
// dotted text without the final dot ("" is the root); a label holding a dot, a backslash or a
// byte outside printable ASCII is written with escapes as in zone files (`\.`, `\\`, `\DDD`).

export const RRType = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const RCode = { NoError: 0, FormErr: 1, ServFail: 2, NXDomain: 3, NotImp: 4, Refused: 5 } as const;
export const CLASS_IN = 1;

export interface Header {
  id: number;
  /** A response (QR bit). */
  qr: boolean;
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated. */
  tc: boolean;
  /** Recursion desired / available. */
  rd: boolean;
  ra: boolean;
  /** The AD and CD bits (RFC 4035), echoed as received. */
  ad: boolean;
  cd: boolean;
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

/** Record data of the types this server reads and writes; any other type keeps its bytes. */
export type RData =
  | { kind: 'A'; address: string }
  | { kind: 'AAAA'; address: string }
  | { kind: 'NAME'; target: string }
  | { kind: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { kind: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'RAW'; bytes: Uint8Array };

export interface ResourceRecord {
  name: string;
  type: number;
  /** For OPT records this is the sender's UDP payload size (RFC 6891). */
  class: number;
  /** For OPT records: extended RCODE, version and flags. */
  ttl: number;
  data: RData;
}

export interface Message {
  header: Header;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** Names compare without regard to ASCII case (RFC 4343). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Which RData shape a record type uses. */
export function rdataKind(type: number): RData['kind'] {
  switch (type) {
    case RRType.A:
      return 'A';
    case RRType.AAAA:
      return 'AAAA';
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return 'NAME';
    case RRType.SRV:
      return 'SRV';
    case RRType.SOA:
      return 'SOA';
    default:
      return 'RAW';
  }
}
