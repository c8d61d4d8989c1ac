// PKCS#10 certificate signing requests (RFC 2986), as `spec.request` of a
// certificates.k8s.io/v1 CertificateSigningRequest carries them (PEM "CERTIFICATE REQUEST"):
// `createCsr` for a node asking for its certificates, `parseCsr` for the signer, which trusts
// nothing in a request until its self-signature verifies. node:crypto has no CSR API.
//
//   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
//   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
//       subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT SET OF Attribute }
// Subject alternative names travel in the extensionRequest attribute (PKCS#9, RFC 2985).
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';
import { children, decodeBitString, decodeObjectIdentifier, decodeString, DerError, expectTag, parseDer, type DerNode } from './der-reader.js';
import { pemBlocks, toPem } from './pem.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** Signature algorithms a request may use → the digest `verify` takes (null: Ed25519). */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4': 'sha512', // ecdsa-with-SHA512
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null, // Ed25519
};

export interface CsrInput {
  commonName: string;
  organizations?: readonly string[];
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  /** An ECDSA P-256 key pair (what `generateKeys` makes). */
  keys: { privateKey: KeyObject; publicKey: KeyObject };
}

export interface ParsedCsr {
  commonName: string | undefined;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  publicKey: KeyObject;
}

export class CsrError extends Error {}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  if (isIP(ip) !== 6) throw new CsrError(`not an IP address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new CsrError(`an IP address SAN of ${bytes.length} bytes`);
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  // Compress the longest run of two or more zero groups (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

function encodeName(commonName: string, organizations: readonly string[]): Buffer {
  const rdn = (oid: string, value: string): Buffer => der.set(der.sequence(der.objectIdentifier(oid), der.utf8String(value)));
  return der.sequence(...organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, commonName));
}

/** A PEM "CERTIFICATE REQUEST" signed with `keys.privateKey` (ECDSA with SHA-256). */
export function createCsr(input: CsrInput): string {
  const names = [
    ...(input.dnsNames ?? []).map((n) => der.implicit(2, Buffer.from(n, 'ascii'))),
    ...(input.ipAddresses ?? []).map((ip) => der.implicit(7, ipBytes(ip))),
  ];
  const attributes: Buffer[] = [];
  if (names.length > 0) {
    const san = der.sequence(der.objectIdentifier(OID.subjectAltName), der.octetString(der.sequence(...names)));
    attributes.push(der.sequence(der.objectIdentifier(OID.extensionRequest), der.set(der.sequence(san))));
  }
  const info = der.sequence(
    der.smallInteger(0),
    encodeName(input.commonName, input.organizations ?? []),
    input.keys.publicKey.export({ type: 'spki', format: 'der' }),
    der.tlv(0xa0, Buffer.concat(attributes)),
  );
  const signature = sign('sha256', info, { key: input.keys.privateKey, dsaEncoding: 'der' });
  return toPem('CERTIFICATE REQUEST', der.sequence(info, der.sequence(der.objectIdentifier(OID.ecdsaWithSHA256)), der.bitString(signature)));
}

function parseName(node: DerNode): { commonName: string | undefined; organizations: string[] } {
  let commonName: string | undefined;
  const organizations: string[] = [];
  for (const rdn of children(expectTag(node, 0x30, 'Name'))) {
    for (const atv of children(expectTag(rdn, 0x31, 'RelativeDistinguishedName'))) {
      const [type, value] = children(expectTag(atv, 0x30, 'AttributeTypeAndValue'));
      if (!type || !value) throw new CsrError('malformed subject attribute');
      const oid = decodeObjectIdentifier(type);
      if (oid === OID.commonName) commonName = decodeString(value);
      else if (oid === OID.organization) organizations.push(decodeString(value));
    }
  }
  return { commonName, organizations };
}

function parseSans(extnValue: Buffer, out: Pick<ParsedCsr, 'dnsNames' | 'ipAddresses' | 'emailAddresses' | 'uris'>): void {
  for (const name of children(expectTag(parseDer(extnValue), 0x30, 'GeneralNames'))) {
    const text = (): string => name.content.toString('ascii');
    switch (name.tag) {
      case 0x81:
        out.emailAddresses.push(text());
        break;
      case 0x82:
        out.dnsNames.push(text());
        break;
      case 0x86:
        out.uris.push(text());
        break;
      case 0x87:
        out.ipAddresses.push(ipText(name.content));
        break;
      default:
        break; // otherName, directoryName …: not used for node certificates
    }
  }
}

/**
 * Decodes a PEM (or DER) PKCS#10 request and verifies its signature with the public key it
 * carries. Throws CsrError when it is malformed or the signature does not verify.
 */
export function parseCsr(request: string | Uint8Array): ParsedCsr {
  let bytes: Buffer;
  if (typeof request === 'string' || (request.length > 0 && request[0] === 0x2d)) {
    const text = typeof request === 'string' ? request : Buffer.from(request).toString('utf8');
    const block = pemBlocks(text).find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
    if (!block) throw new CsrError('no PEM block of type "CERTIFICATE REQUEST"');
    bytes = block.der;
  } else {
    bytes = Buffer.from(request);
  }
  try {
    const [info, algorithm, signature] = children(expectTag(parseDer(bytes), 0x30, 'CertificationRequest'));
    if (!info || !algorithm || !signature) throw new CsrError('malformed CertificationRequest');
    const [version, subject, spki, attributes] = children(expectTag(info, 0x30, 'CertificationRequestInfo'));
    if (!version || !subject || !spki) throw new CsrError('malformed CertificationRequestInfo');
    if (expectTag(version, 0x02, 'version').content.readUIntBE(0, version.content.length || 1) !== 0) throw new CsrError('unsupported CSR version');
    const publicKey = createPublicKey({ key: expectTag(spki, 0x30, 'SubjectPublicKeyInfo').raw, format: 'der', type: 'spki' });
    const algOid = decodeObjectIdentifier(children(expectTag(algorithm, 0x30, 'AlgorithmIdentifier'))[0] ?? algorithm);
    if (!(algOid in SIGNATURE_DIGESTS)) throw new CsrError(`unsupported signature algorithm ${algOid}`);
    const digest = SIGNATURE_DIGESTS[algOid] ?? null;
    if (!verify(digest, info.raw, publicKey, decodeBitString(signature))) throw new CsrError('the request signature does not verify');
    const out: ParsedCsr = { ...parseName(subject), dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [], publicKey };
    for (const attr of attributes ? children(expectTag(attributes, 0xa0, 'attributes')) : []) {
      const [type, values] = children(expectTag(attr, 0x30, 'Attribute'));
      if (!type || !values || decodeObjectIdentifier(type) !== OID.extensionRequest) continue;
      for (const extensions of children(expectTag(values, 0x31, 'attribute values'))) {
        for (const ext of children(expectTag(extensions, 0x30, 'Extensions'))) {
          const parts = children(expectTag(ext, 0x30, 'Extension'));
          const value = parts[parts.length - 1];
          if (parts[0] && value && decodeObjectIdentifier(parts[0]) === OID.subjectAltName) parseSans(expectTag(value, 0x04, 'extnValue').content, out);
        }
      }
    }
    return out;
  } catch (err) {
    if (err instanceof CsrError) throw err;
    if (err instanceof DerError) throw new CsrError(`malformed request: ${err.message}`);
    throw new CsrError(`invalid request: ${err instanceof Error ? err.message : String(err)}`);
  }
}
