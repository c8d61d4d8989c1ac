// X.509 v3 certificates (RFC 5280) signed with ECDSA P-256 / SHA-256, built on node:crypto
// keys. Enough for a cluster's own CA, serving certificates and client certificates.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export interface Subject {
  commonName: string;
  /** Kubernetes reads these as the user's groups. */
  organizations?: readonly string[];
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CertificateRequest {
  subject: Subject;
  keys: KeyPair;
  /** Absent: self-signed (a CA). */
  issuer?: { certificatePem: string; privateKey: KeyObject };
  usage: 'ca' | 'server' | 'client' | 'server-and-client';
  /** DNS names and IP addresses for the subjectAltName of serving certificates. */
  altNames?: readonly string[];
  validDays: number;
  now?: Date;
}

export function generateKeys(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function encodeName(subject: Subject): Buffer {
  const rdns = (subject.organizations ?? []).map((o) =>
    der.set(der.sequence(der.objectIdentifier(OID.organization), der.utf8String(o))),
  );
  rdns.push(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(subject.commonName))));
  return der.sequence(...rdns);
}

function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string): string[] => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.objectIdentifier(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.objectIdentifier(oid), der.octetString(value));
}

function extensions(req: CertificateRequest, issuerPublicKey: KeyObject): Buffer {
  const ca = req.usage === 'ca';
  // keyUsage bits: digitalSignature(0) keyEncipherment(2) keyCertSign(5) cRLSign(6)
  const usageBits = ca ? 0b10000110 : 0b10100000;
  const list = [
    extension(OID.keyUsage, true, der.tlv(0x03, Buffer.from([ca ? 1 : 5, usageBits]))),
    extension(OID.basicConstraints, true, ca ? der.sequence(der.boolean(true)) : der.sequence()),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(req.keys.publicKey))),
    extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, keyIdentifier(issuerPublicKey)))),
  ];
  if (req.usage !== 'ca') {
    const purposes: readonly string[] = {
      server: [OID.serverAuth],
      client: [OID.clientAuth],
      'server-and-client': [OID.serverAuth, OID.clientAuth],
    }[req.usage];
    list.push(extension(OID.extKeyUsage, false, der.sequence(...purposes.map((p) => der.objectIdentifier(p)))));
  }
  if (req.altNames?.length) {
    const names = req.altNames.map((n) =>
      isIP(n) ? der.implicit(7, ipBytes(n)) : der.implicit(2, Buffer.from(n, 'ascii')),
    );
    list.push(extension(OID.subjectAltName, false, der.sequence(...names)));
  }
  return der.explicit(3, der.sequence(...list));
}

/** Returns the certificate as PEM. */
export function createCertificate(req: CertificateRequest): string {
  const now = req.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60_000); // tolerate small clock skew
  const notAfter = new Date(now.getTime() + req.validDays * 86_400_000);
  const issuerCert = req.issuer ? new X509Certificate(req.issuer.certificatePem) : undefined;
  const issuerName = issuerCert ? Buffer.from(issuerCert.raw.subarray(0)) : undefined;
  const signingKey = req.issuer?.privateKey ?? req.keys.privateKey;
  const issuerPublicKey = issuerCert?.publicKey ?? req.keys.publicKey;
  const algorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSHA256));
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    algorithm,
    issuerName ? subjectOf(issuerName) : encodeName(req.subject),
    der.sequence(der.time(notBefore), der.time(notAfter)),
    encodeName(req.subject),
    req.keys.publicKey.export({ type: 'spki', format: 'der' }),
    extensions(req, issuerPublicKey),
  );
  const signature = sign('sha256', tbs, { key: signingKey, dsaEncoding: 'der' });
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

// --- reading the issuer's subject Name back out of its DER certificate ---

function readTlv(buf: Buffer, offset: number): { start: number; end: number; next: number } {
  let pos = offset + 1;
  const first = buf[pos++] ?? 0;
  let len = first;
  if (first & 0x80) {
    len = 0;
    for (let i = 0; i < (first & 0x7f); i++) len = len * 256 + (buf[pos++] ?? 0);
  }
  return { start: offset, end: pos + len, next: pos };
}

/** The encoded subject Name of a DER certificate (6th element of tbsCertificate). */
function subjectOf(certDer: Buffer): Buffer {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.next);
  let pos = tbs.next;
  const skip = (): { start: number; end: number } => {
    const t = readTlv(certDer, pos);
    pos = t.end;
    return t;
  };
  if (certDer[pos] === 0xa0) skip(); // version
  skip(); // serial
  skip(); // signature algorithm
  skip(); // issuer
  skip(); // validity
  const subject = skip();
  return certDer.subarray(subject.start, subject.end);
}
