// ConfigMaps and Secrets (v1): key syntax, the 1 MiB size limit, base64 `data` in the JSON
// form, per-type required keys, and `immutable: true`.
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../errors.js';
import { isPlainObject } from '../object.js';
import { jsonEqual } from './equal.js';
import { forbidden, IMMUTABLE, invalid, key, required, tooLong } from './field.js';
import { isConfigMapKey } from './names.js';

/** Kubernetes' MaxSecretSize, which bounds ConfigMaps too. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

function entries(v: unknown): [string, unknown][] {
  return isPlainObject(v) ? Object.entries(v) : [];
}

function validateKeys(map: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k] of entries(map)) for (const msg of isConfigMapKey(k)) errs.push(invalid(key(path, k), k, msg));
  return errs;
}

/**
 * Where Go's strict base64 decoder (StdEncoding, as JSON []byte uses) gives up, or
 * undefined when `s` decodes. CR and LF are skipped, as Go skips them.
 */
export function base64ErrorOffset(s: string): number | undefined {
  let quantum = 0;
  let quantumStart = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\r' || c === '\n') continue;
    if (quantum === 0) quantumStart = i;
    if (padding > 0 && c !== '=') return i;
    if (c === '=') {
      if (quantum < 2) return i;
      padding++;
    } else if (!/[A-Za-z0-9+/]/.test(c)) {
      return i;
    }
    quantum = (quantum + 1) % 4;
    if (quantum === 0 && padding > 0) {
      // Padding ends the data: anything after it is an error at its offset.
      const rest = s.slice(i + 1).replace(/[\r\n]/g, '');
      if (rest.length > 0) return s.indexOf(rest[0] ?? '', i + 1);
      return undefined;
    }
  }
  return quantum === 0 ? undefined : quantumStart;
}

function decodedSize(v: unknown): number {
  return typeof v === 'string' ? Math.floor((v.replace(/[\r\n=]/g, '').length * 3) / 4) : 0;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = [...validateKeys(cm.data, 'data'), ...validateKeys(cm.binaryData, 'binaryData')];
  const binary = isPlainObject(cm.binaryData) ? cm.binaryData : {};
  const data = isPlainObject(cm.data) ? cm.data : {};
  let total = 0;
  for (const [k, v] of entries(cm.data)) {
    if (Object.hasOwn(binary, k)) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of entries(cm.binaryData)) {
    if (Object.hasOwn(data, k)) errs.push(invalid(key('binaryData', k), k, 'duplicate of key present in data'));
    const off = typeof v === 'string' ? base64ErrorOffset(v) : 0;
    if (off !== undefined) errs.push(invalid(key('binaryData', k), '<binary data>', `illegal base64 data at input byte ${off}`));
    total += decodedSize(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateConfigMap(cm);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!jsonEqual(cm.data, old.data)) errs.push(forbidden('data', IMMUTABLE_WHEN_SET));
    if (!jsonEqual(cm.binaryData, old.binaryData)) errs.push(forbidden('binaryData', IMMUTABLE_WHEN_SET));
  }
  return errs;
}

/** The keys each built-in secret type must carry in `data`. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: Secret): FieldError[] {
  const errs = validateKeys(secret.data, 'data');
  let total = 0;
  for (const [k, v] of entries(secret.data)) {
    const off = typeof v === 'string' ? base64ErrorOffset(v) : 0;
    if (off !== undefined) errs.push(invalid(key('data', k), '<secret contents redacted>', `illegal base64 data at input byte ${off}`));
    total += decodedSize(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const data = isPlainObject(secret.data) ? secret.data : {};
  const type = secret.type ?? 'Opaque';
  for (const k of REQUIRED_KEYS[type] ?? []) if (!Object.hasOwn(data, k)) errs.push(required(key('data', k)));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name'])
    errs.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
  if (type === 'kubernetes.io/basic-auth' && !Object.hasOwn(data, 'username') && !Object.hasOwn(data, 'password')) {
    errs.push(required(key('data', 'username')));
    errs.push(required(key('data', 'password')));
  }
  for (const [k, jsonKey] of [
    ['kubernetes.io/dockerconfigjson', '.dockerconfigjson'],
    ['kubernetes.io/dockercfg', '.dockercfg'],
  ] as const) {
    const raw = data[jsonKey];
    if (type !== k || typeof raw !== 'string' || base64ErrorOffset(raw) !== undefined) continue;
    try {
      JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch (e) {
      errs.push(invalid(key('data', jsonKey), '<secret contents redacted>', e instanceof Error ? e.message : String(e)));
    }
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs = validateSecret(secret);
  if ((secret.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(invalid('type', secret.type ?? '', IMMUTABLE));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!jsonEqual(secret.data, old.data)) errs.push(forbidden('data', IMMUTABLE_WHEN_SET));
  }
  return errs;
}
