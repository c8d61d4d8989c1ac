// Turns the declarations of the installed `kubernetes-types` package into Kubernetes OpenAPI
// definitions. Reading the package at run time (it is a runtime dependency anyway) keeps the
// descriptions out of the repository and needs no build step: the same code works from `src/`
// under tsx and from `dist/`. Parsing all files takes a few tens of milliseconds, once.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseDeclarations, type Declaration, type ParsedModule, type TypeExpr } from './dts-parser.js';
import {
  DOUBLE_PROPERTIES, EXTRA_PROPERTIES, INT64_PROPERTIES, INT_OR_STRING, INT_OR_STRING_SCHEMA,
  LIST_EXTENSIONS, SPECIAL_DEFINITIONS,
} from './field-facts.js';
import { gvkKey, type Catalog, type SchemaNode } from './schema-node.js';

/** One declaration file: its module path inside the package ("core/v1", "runtime"). */
export interface SourceFile {
  modulePath: string;
  source: string;
}

/** The Kubernetes package a `kubernetes-types` module path stands for. */
export function kubernetesPackage(modulePath: string): string {
  const dotted = modulePath.split('/').join('.');
  switch (modulePath) {
    case 'meta/v1': return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
  }
  if (modulePath.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.${dotted}`;
  return `io.k8s.api.${dotted}`;
}

interface ModuleContext {
  modulePath: string;
  parsed: ParsedModule;
}

export function buildCatalog(files: readonly SourceFile[]): Catalog {
  const modules = new Map<string, ModuleContext>();
  for (const file of files) {
    modules.set(file.modulePath, { modulePath: file.modulePath, parsed: parseDeclarations(file.source, file.modulePath) });
  }
  const definitions = new Map<string, SchemaNode>([[INT_OR_STRING, INT_OR_STRING_SCHEMA]]);
  const kinds = new Map<string, string>();
  for (const module of modules.values()) {
    for (const declaration of module.parsed.declarations) {
      const name = `${kubernetesPackage(module.modulePath)}.${declaration.name}`;
      const node = declarationSchema(declaration, name, module);
      definitions.set(name, node);
      const gvk = declaredGvk(declaration);
      if (gvk) {
        node.extensions = { ...node.extensions, 'x-kubernetes-group-version-kind': [{ ...gvk }] };
        kinds.set(gvkKey(gvk), name);
      }
    }
  }
  return { definitions, kinds };
}

function declarationSchema(declaration: Declaration, name: string, module: ModuleContext): SchemaNode {
  const description = declaration.description === undefined ? {} : { description: declaration.description };
  const special = SPECIAL_DEFINITIONS[name];
  if (special) return { ...description, ...structuredClone(special) };
  if (declaration.kind === 'alias') {
    // Named aliases of primitives stay primitives; unions (JSONSchemaPropsOrBool, …) accept any value.
    const type = declaration.type;
    return type.kind === 'primitive' ? { ...description, ...primitiveSchema(type.name, declaration.name, name) } : description;
  }
  const node: SchemaNode = { ...description, type: 'object' };
  const properties: Record<string, SchemaNode> = {};
  const required: string[] = [];
  const listExtensions = LIST_EXTENSIONS[name] ?? {};
  for (const property of declaration.properties) {
    const schema = typeSchema(property.type, { module, property: property.name, definition: name });
    if (property.description !== undefined) schema.description = property.description;
    const extensions = listExtensions[property.name];
    if (extensions) schema.extensions = { ...schema.extensions, ...extensions };
    properties[property.name] = schema;
    if (!property.optional) required.push(property.name);
  }
  for (const [extraName, extra] of Object.entries(EXTRA_PROPERTIES[name] ?? {})) properties[extraName] = structuredClone(extra);
  if (Object.keys(properties).length > 0) node.properties = properties;
  if (required.length > 0) node.required = required;
  return node;
}

interface TypeContext {
  module: ModuleContext;
  property: string;
  definition: string;
}

function typeSchema(type: TypeExpr, context: TypeContext): SchemaNode {
  switch (type.kind) {
    case 'primitive':
      return primitiveSchema(type.name, context.property, context.definition);
    case 'literal':
      return { type: 'string' };
    case 'array':
      return { type: 'array', items: typeSchema(type.items, context) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(type.values, context) };
    case 'ref':
      return { ref: resolveRef(type.name, context.module) };
    case 'union': {
      const names = type.members.map((member) => (member.kind === 'primitive' ? member.name : '?')).sort();
      if (names.join('|') === 'number|string') return { ref: INT_OR_STRING };
      throw new Error(`${context.definition}.${context.property}: unsupported union type`);
    }
  }
}

function primitiveSchema(name: 'string' | 'number' | 'boolean', property: string, definition: string): SchemaNode {
  if (name === 'string') return { type: 'string' };
  if (name === 'boolean') return { type: 'boolean' };
  if (DOUBLE_PROPERTIES.has(`${definition}.${property}`)) return { type: 'number', format: 'double' };
  return { type: 'integer', format: INT64_PROPERTIES.has(property) ? 'int64' : 'int32' };
}

function resolveRef(identifier: string, module: ModuleContext): string {
  const from = module.parsed.imports.get(identifier);
  if (from === undefined) return `${kubernetesPackage(module.modulePath)}.${identifier}`;
  const target = path.posix.join(path.posix.dirname(module.modulePath), from);
  return `${kubernetesPackage(target)}.${identifier}`;
}

/** A kind declares its GVK through the literal types of `apiVersion` and `kind`. */
function declaredGvk(declaration: Declaration): { group: string; kind: string; version: string } | undefined {
  if (declaration.kind !== 'interface') return undefined;
  const literal = (name: string): string | undefined => {
    const type = declaration.properties.find((property) => property.name === name)?.type;
    return type?.kind === 'literal' ? type.value : undefined;
  };
  const apiVersion = literal('apiVersion');
  const kind = literal('kind');
  if (apiVersion === undefined || kind === undefined) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', kind, version: apiVersion }
    : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) };
}

function installedRoot(): string {
  return path.dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));
}

/** The version of the installed `kubernetes-types` package ("1.30.0"). */
export function installedTypesVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(path.join(installedRoot(), 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

/** Reads every declaration file of the installed `kubernetes-types` package. */
export function readInstalledTypes(): SourceFile[] {
  const root = installedRoot();
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') {
        const modulePath = path.relative(root, full).split(path.sep).join('/').slice(0, -'.d.ts'.length);
        files.push({ modulePath, source: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(root);
  return files.sort((a, b) => a.modulePath.localeCompare(b.modulePath));
}

let installed: Catalog | undefined;

/** The catalog of the installed package, built on first use. */
export function installedCatalog(): Catalog {
  installed ??= buildCatalog(readInstalledTypes());
  return installed;
}
