// Regenerates messages/*.ts from the protobuf file descriptors of Kubernetes' generated.proto
// files. Go binaries built from k8s.io/api register each file as a gzipped FileDescriptorProto,
// so a kubectl binary is a faithful copy of the public schema of its version:
//
//   node --import tsx src/api/protobuf/generate-messages.ts /usr/lib/google-cloud-sdk/bin/kubectl.1.33
//
// Only the transitive closure of ROOTS is written. What descriptors do not say (which zero
// values Go's JSON writes, which structs are inlined) comes from generator-facts.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { WireReader, WireType } from './wire.js';
import type { FieldSpec, FieldType, ScalarType } from './schema.js';
import { EMIT_ZERO, INLINE, KUBERNETES_VERSION, OPAQUE, RENAMED, ROOTS } from './generator-facts.js';

// --- descriptor parsing (descriptor.proto field numbers) ---

interface FieldDescriptor {
  name: string;
  number: number;
  repeated: boolean;
  type: number;
  typeName: string;
}
interface MessageDescriptor {
  fullName: string;
  fields: FieldDescriptor[];
  mapEntry: boolean;
}

const decoder = new TextDecoder();

function parseFile(bytes: Uint8Array, out: Map<string, MessageDescriptor>): void {
  const r = new WireReader(bytes);
  let pkg = '';
  const messages: Uint8Array[] = [];
  while (!r.done) {
    const tag = r.readTag();
    if (tag.fieldNumber === 2 && tag.wireType === WireType.LengthDelimited) pkg = decoder.decode(r.readBytes());
    else if (tag.fieldNumber === 4 && tag.wireType === WireType.LengthDelimited) messages.push(r.readBytes());
    else r.skip(tag.wireType);
  }
  for (const m of messages) parseMessage(m, pkg, out);
}

function parseMessage(bytes: Uint8Array, scope: string, out: Map<string, MessageDescriptor>): void {
  const r = new WireReader(bytes);
  const msg: MessageDescriptor = { fullName: '', fields: [], mapEntry: false };
  const nested: Uint8Array[] = [];
  while (!r.done) {
    const tag = r.readTag();
    if (tag.wireType !== WireType.LengthDelimited) {
      r.skip(tag.wireType);
      continue;
    }
    const b = r.readBytes();
    if (tag.fieldNumber === 1) msg.fullName = `${scope}.${decoder.decode(b)}`;
    else if (tag.fieldNumber === 2) msg.fields.push(parseField(b));
    else if (tag.fieldNumber === 3) nested.push(b);
    else if (tag.fieldNumber === 7) msg.mapEntry = hasTrueBool(b, 7);
  }
  out.set(msg.fullName, msg);
  for (const n of nested) parseMessage(n, msg.fullName, out);
}

function parseField(bytes: Uint8Array): FieldDescriptor {
  const r = new WireReader(bytes);
  const f: FieldDescriptor = { name: '', number: 0, repeated: false, type: 0, typeName: '' };
  while (!r.done) {
    const tag = r.readTag();
    if (tag.fieldNumber === 1 && tag.wireType === WireType.LengthDelimited) f.name = decoder.decode(r.readBytes());
    else if (tag.fieldNumber === 3 && tag.wireType === WireType.Varint) f.number = r.readVarint();
    else if (tag.fieldNumber === 4 && tag.wireType === WireType.Varint) f.repeated = r.readVarint() === 3;
    else if (tag.fieldNumber === 5 && tag.wireType === WireType.Varint) f.type = r.readVarint();
    else if (tag.fieldNumber === 6 && tag.wireType === WireType.LengthDelimited) {
      f.typeName = decoder.decode(r.readBytes()).replace(/^\./, '');
    } else r.skip(tag.wireType);
  }
  return f;
}

function hasTrueBool(bytes: Uint8Array, fieldNumber: number): boolean {
  const r = new WireReader(bytes);
  let found = false;
  while (!r.done) {
    const tag = r.readTag();
    if (tag.fieldNumber === fieldNumber && tag.wireType === WireType.Varint) found = r.readVarint() === 1;
    else r.skip(tag.wireType);
  }
  return found;
}

/** descriptor.proto FieldDescriptorProto.Type → our scalar names. */
const scalarByType: Record<number, ScalarType> = { 1: 'double', 3: 'int64', 5: 'int32', 8: 'bool', 9: 'string', 12: 'bytes' };

function readDescriptors(binaryPath: string): Map<string, MessageDescriptor> {
  const bin = readFileSync(binaryPath);
  const out = new Map<string, MessageDescriptor>();
  const magic = Buffer.from([0x1f, 0x8b, 0x08]);
  for (let at = bin.indexOf(magic); at >= 0; at = bin.indexOf(magic, at + 3)) {
    let file: Buffer;
    try {
      file = gunzipSync(bin.subarray(at, at + 1_000_000), { finishFlush: 2 });
    } catch {
      continue;
    }
    if (!file.subarray(0, 120).toString('latin1').includes('generated.proto')) continue;
    parseFile(file, out);
  }
  return out;
}

// --- closure and output ---

function fieldType(f: FieldDescriptor, all: Map<string, MessageDescriptor>): { type: FieldType; repeated: boolean } {
  if (f.type === 11) {
    const target = all.get(f.typeName);
    if (!target) throw new Error(`unknown message ${f.typeName}`);
    if (target.mapEntry) {
      const value = target.fields.find((x) => x.number === 2);
      if (!value) throw new Error(`map entry without value: ${f.typeName}`);
      return { type: { map: value.type === 11 ? { message: value.typeName } : scalar(value) }, repeated: false };
    }
    return { type: { message: f.typeName }, repeated: f.repeated };
  }
  return { type: scalar(f), repeated: f.repeated };
}

function scalar(f: FieldDescriptor): ScalarType {
  const s = scalarByType[f.type];
  if (!s) throw new Error(`unsupported proto type ${f.type} for field ${f.name}`);
  return s;
}

function closure(all: Map<string, MessageDescriptor>): string[] {
  const seen = new Set<string>();
  const queue = [...ROOTS];
  while (queue.length) {
    const name = queue.shift() ?? '';
    if (seen.has(name)) continue;
    const msg = all.get(name);
    if (!msg) throw new Error(`message ${name} not found in the binary`);
    seen.add(name);
    if (OPAQUE.has(name)) continue;
    for (const f of msg.fields) {
      const { type } = fieldType(f, all);
      if (typeof type === 'object' && 'message' in type) queue.push(type.message);
      if (typeof type === 'object' && 'map' in type && typeof type.map === 'object') queue.push(type.map.message);
    }
  }
  return [...seen].sort();
}

function fileFor(messageName: string): string {
  const pkg = messageName.slice(0, messageName.lastIndexOf('.'));
  const api = /^k8s\.io\.api\.(\w+)\.(\w+)$/.exec(pkg);
  if (api) return `${api[1]}-${api[2]}`;
  const meta = /^k8s\.io\.apimachinery\.pkg\.apis\.meta\.(\w+)$/.exec(pkg);
  if (meta) return `meta-${meta[1]}`;
  return 'apimachinery';
}

function renderField(f: FieldSpec): string {
  const parts = [`no: ${f.no}`, `json: '${f.json}'`, `type: ${renderType(f.type)}`];
  if (f.repeated) parts.push('repeated: true');
  if (f.keepZero) parts.push('keepZero: true');
  if (f.inline) parts.push('inline: true');
  return `    { ${parts.join(', ')} },`;
}

function renderType(t: FieldType): string {
  if (typeof t === 'string') return `'${t}'`;
  if ('message' in t) return `{ message: '${t.message}' }`;
  return `{ map: ${renderType(t.map)} }`;
}

function constName(file: string): string {
  return file.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) + 'Messages';
}

function main(): void {
  const binaryPath = process.argv[2];
  if (!binaryPath) throw new Error('usage: generate-messages.ts <kubectl binary>');
  const all = readDescriptors(binaryPath);
  const names = closure(all);
  const used = new Set<string>();
  const files = new Map<string, string[]>();
  for (const name of names) {
    const msg = all.get(name);
    if (!msg) continue;
    const lines: string[] = [`  '${name}': [`];
    for (const f of [...msg.fields].sort((a, b) => a.number - b.number)) {
      const key = `${name}.${f.name}`;
      const { type, repeated } = fieldType(f, all);
      const shortKey = key.replace(/^k8s\.io\.api\./, '');
      const spec: FieldSpec = {
        no: f.number,
        json: RENAMED[shortKey] ?? f.name,
        type,
        ...(repeated ? { repeated: true } : {}),
        ...(EMIT_ZERO.has(key) ? { keepZero: true } : {}),
        ...(INLINE.has(shortKey) ? { inline: true } : {}),
      };
      if (EMIT_ZERO.has(key) || INLINE.has(shortKey) || RENAMED[shortKey]) used.add(key);
      lines.push(renderField(spec));
    }
    lines.push('  ],');
    const file = fileFor(name);
    files.set(file, [...(files.get(file) ?? []), ...lines]);
  }
  const expected = [...EMIT_ZERO, ...[...INLINE, ...Object.keys(RENAMED)].map((s) => `k8s.io.api.${s}`)];
  const missing = expected.filter((k) => !used.has(k));
  if (missing.length) throw new Error(`listed fields not found in the schema: ${missing.join(', ')}`);

  const dir = join(import.meta.dirname, 'messages');
  for (const [file, lines] of files) {
    const text = [
      `// Generated by ../generate-messages.ts from the Kubernetes ${KUBERNETES_VERSION} generated.proto descriptors.`,
      '// Field numbers are the public wire interface of those files; edit the generator, not this file.',
      "import type { MessageTable } from '../schema.js';",
      '',
      `export const ${constName(file)}: MessageTable = {`,
      ...lines,
      '};',
      '',
    ].join('\n');
    writeFileSync(join(dir, `${file}.ts`), text);
    console.log(`messages/${file}.ts: ${lines.filter((l) => l.startsWith("  '")).length} messages`);
  }
}

main();
