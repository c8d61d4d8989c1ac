// Sets of field paths, as server-side apply records ownership, and their `FieldsV1` encoding:
//   {"f:metadata":{"f:labels":{".":{},"f:app":{}}}}
// Each path element is spelled as in FieldsV1: `f:<field>`, `k:<json of key fields>` (an item
// of a map-typed list), `v:<json value>` (an item of a set), `i:<index>`. A node whose value is
// `{}` is a member (an owned leaf); "." marks a node that is owned itself and also has children.
import { sortSmall } from '../sort-small.js';

/** One step of a path in its FieldsV1 spelling. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

/** Shared by every node without members or children until its first insert (never written). */
const NO_MEMBERS: ReadonlySet<PathElement> = new Set();
const NO_CHILDREN: ReadonlyMap<PathElement, FieldSet> = new Map();

export class FieldSet {
  // Sets are built for every write the server tracks, a node per step of each path, and many
  // nodes never get members or children: both collections are made on first insert.
  private memberSet: ReadonlySet<PathElement> = NO_MEMBERS;
  private childSets: ReadonlyMap<PathElement, FieldSet> = NO_CHILDREN;
  /**
   * FieldsV1 of this node not read yet (see `fromStoredFieldsV1`): each node is read on first
   * use, so an untouched subtree is never parsed and encodes back as the very same object.
   */
  private unread: Record<string, unknown> | undefined;

  private addMember(pe: PathElement): void {
    if (this.memberSet === NO_MEMBERS) this.memberSet = new Set([pe]);
    else (this.memberSet as Set<PathElement>).add(pe);
  }

  private setChild(pe: PathElement, child: FieldSet): void {
    if (this.childSets === NO_CHILDREN) this.childSets = new Map([[pe, child]]);
    else (this.childSets as Map<PathElement, FieldSet>).set(pe, child);
  }

  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  /** Adds `path` as a member (an owned node). */
  insert(path: FieldPath): void {
    const last = path.length - 1;
    if (last >= 0) this.nodeAt(path, last).addMember(path[last] as PathElement);
  }

  /**
   * Adds `path` as a member with the nodes below it given as FieldsV1 (`{}` for none), which
   * must be well formed and in canonical order, as `toFieldsV1` writes it: it is read lazily,
   * and encodes back as the same object while untouched. The object must not change afterwards.
   */
  insertSubtree(path: FieldPath, fieldsV1: Record<string, unknown>): void {
    const last = path.length - 1;
    if (last < 0) return;
    const parent = this.nodeAt(path, last);
    const pe = path[last] as PathElement;
    parent.addMember(pe);
    if (!Object.keys(fieldsV1).some((k) => k !== '.')) return;
    const lazy = FieldSet.fromStoredFieldsV1(fieldsV1);
    const existing = parent.childSets.get(pe);
    if (existing) existing.addAll(lazy);
    else parent.setChild(pe, lazy);
  }

  /** The node of the first `depth` elements of `path`, created (and read) on the way. */
  private nodeAt(path: FieldPath, depth: number): FieldSet {
    let node: FieldSet = this.read();
    for (let i = 0; i < depth; i++) {
      const pe = path[i] as PathElement;
      let child = node.childSets.get(pe)?.read();
      if (!child) {
        child = new FieldSet();
        node.setChild(pe, child);
      }
      node = child;
    }
    return node;
  }

  has(path: FieldPath): boolean {
    const last = path.length - 1;
    if (last < 0) return false;
    this.read();
    let node = path.length === 1 ? undefined : this.childSets.get(path[0] as PathElement)?.read();
    if (path.length === 1) return this.memberSet.has(path[0] as PathElement);
    for (let i = 1; i < last && node; i++) node = node.childSets.get(path[i] as PathElement)?.read();
    return node?.memberSet.has(path[last] as PathElement) ?? false;
  }

  members(): ReadonlySet<PathElement> {
    return this.read().memberSet;
  }

  children(): ReadonlyMap<PathElement, FieldSet> {
    return this.read().childSets;
  }

  isEmpty(): boolean {
    this.read();
    return this.memberSet.size === 0 && this.childSets.size === 0;
  }

  /** Every member path, in FieldsV1 order. */
  paths(): PathElement[][] {
    this.read();
    const out: PathElement[][] = [];
    for (const pe of this.sortedElements()) {
      if (this.memberSet.has(pe)) out.push([pe]);
      const child = this.childSets.get(pe);
      if (child) for (const p of child.paths()) out.push([pe, ...p]);
    }
    return out;
  }

  // The set operations below work node by node on the trees; none of them creates a node
  // without members below it, so `isEmpty` stays exact.

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.addAll(other);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    this.read();
    other.read();
    const out = new FieldSet();
    for (const pe of this.memberSet) if (!other.memberSet.has(pe)) out.addMember(pe);
    for (const [pe, child] of this.childSets) {
      const otherChild = other.childSets.get(pe);
      const rest = otherChild ? child.difference(otherChild) : child.copy();
      if (!rest.isEmpty()) out.setChild(pe, rest);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    this.read();
    other.read();
    const out = new FieldSet();
    for (const pe of this.memberSet) if (other.memberSet.has(pe)) out.addMember(pe);
    for (const [pe, child] of this.childSets) {
      const otherChild = other.childSets.get(pe);
      if (!otherChild) continue;
      const both = child.intersection(otherChild);
      if (!both.isEmpty()) out.setChild(pe, both);
    }
    return out;
  }

  /** Whether some member path of this set is also a member of `other` (intersection not empty). */
  overlaps(other: FieldSet): boolean {
    this.read();
    other.read();
    for (const pe of this.memberSet) if (other.memberSet.has(pe)) return true;
    for (const [pe, child] of this.childSets) {
      const otherChild = other.childSets.get(pe);
      if (otherChild && child.overlaps(otherChild)) return true;
    }
    return false;
  }

  /** Whether every member path of `other` is a member of this set. */
  covers(other: FieldSet): boolean {
    this.read();
    other.read();
    for (const pe of other.memberSet) if (!this.memberSet.has(pe)) return false;
    for (const [pe, otherChild] of other.childSets) {
      const child = this.childSets.get(pe);
      if (!child || !child.covers(otherChild)) return false;
    }
    return true;
  }

  /**
   * The member paths for which `keep` is true. `keep` sees a path that is reused for the next
   * call: it must not hold on to it. `whole`, when given, may decide a prefix's entire subtree
   * at once (true: every path below is kept, false: none is; undefined: ask `keep` for each);
   * a subtree kept whole is shared with this set, not copied.
   */
  filter(keep: (path: FieldPath) => boolean, whole?: (prefix: FieldPath) => boolean | undefined): FieldSet {
    return this.filtered(keep, whole, []);
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  /** Adds every member path of `other` to this set. */
  private addAll(other: FieldSet): void {
    this.read();
    other.read();
    for (const pe of other.memberSet) this.addMember(pe);
    for (const [pe, otherChild] of other.childSets) {
      let child = this.childSets.get(pe);
      if (!child) {
        child = new FieldSet();
        this.setChild(pe, child);
      }
      child.addAll(otherChild);
    }
  }

  private filtered(
    keep: (path: FieldPath) => boolean,
    whole: ((prefix: FieldPath) => boolean | undefined) | undefined,
    prefix: PathElement[],
  ): FieldSet {
    this.read();
    const out = new FieldSet();
    for (const pe of this.memberSet) {
      prefix.push(pe);
      const kept = keep(prefix);
      prefix.pop();
      if (kept) out.addMember(pe);
    }
    for (const [pe, child] of this.childSets) {
      prefix.push(pe);
      const decided = whole?.(prefix);
      const kept = decided === undefined ? child.filtered(keep, whole, prefix) : decided ? child : undefined;
      prefix.pop();
      if (kept && !kept.isEmpty()) out.setChild(pe, kept);
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }

  /** The FieldsV1 JSON object: "." first, then path elements in Kubernetes' order. */
  toFieldsV1(): Record<string, unknown> {
    return this.encodeInto({});
  }

  /** Adds this set's FieldsV1 entries to `out` (which may already hold "."). */
  private encodeInto(out: Record<string, unknown>): Record<string, unknown> {
    for (const pe of this.sortedElements()) {
      const child = this.childSets.get(pe);
      const member = this.memberSet.has(pe);
      if (!child) out[pe] = {};
      else if (child.unread && '.' in child.unread === member) out[pe] = child.unread;
      else out[pe] = child.encodeInto(member ? { '.': {} } : {});
    }
    return out;
  }

  /**
   * FieldsV1 this server wrote itself (stored managedFields): well formed and in canonical order,
   * so it is read lazily, node by node, and untouched nodes encode back as the same objects.
   * The object must not change afterwards.
   */
  static fromStoredFieldsV1(json: unknown): FieldSet {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return new FieldSet();
    const set = new FieldSet();
    set.unread = json as Record<string, unknown>;
    return set;
  }

  /** Reads this node's FieldsV1 if it has not been yet (its children stay unread). */
  private read(): this {
    const node = this.unread;
    if (!node) return this;
    this.unread = undefined;
    for (const key of Object.keys(node)) {
      if (key === '.') continue;
      const value = node[key];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      const inner = value as Record<string, unknown>;
      let hasChildren = false;
      for (const k in inner) {
        if (k === '.') this.addMember(key);
        else hasChildren = true;
      }
      if (!hasChildren) this.addMember(key);
      else this.setChild(key, FieldSet.fromStoredFieldsV1(inner));
    }
    return this;
  }

  /** Parses FieldsV1; anything that is not an object of objects is ignored. */
  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) set.readFieldsV1(json as Record<string, unknown>);
    return set;
  }

  /** Adds the FieldsV1 `node` below this set's node, built in place; true when it holds ".". */
  private readFieldsV1(node: Record<string, unknown>): boolean {
    let self = false;
    for (const key of Object.keys(node)) {
      if (key === '.') {
        self = true;
        continue;
      }
      const value = node[key];
      if (typeof value !== 'object' || value === null) continue;
      if (Array.isArray(value)) {
        if (value.length === 0) this.addMember(key); // `[]` has no keys: a leaf, as `{}`
        continue;
      }
      const child = new FieldSet();
      const owned = child.readFieldsV1(value as Record<string, unknown>);
      const leaf = !owned && child.isEmpty() && Object.keys(value).length === 0;
      if (owned || leaf) this.addMember(key);
      if (!child.isEmpty()) this.setChild(key, child);
    }
    return self;
  }

  private sortedElements(): PathElement[] {
    this.read();
    const all = [...this.memberSet];
    for (const pe of this.childSets.keys()) if (!this.memberSet.has(pe)) all.push(pe);
    return sortSmall(all, comparePathElements);
  }
}

const kindRank: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Fields before keys before values before indexes, as structured-merge-diff orders them. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = kindRank[a[0] ?? ''] ?? 4;
  const rb = kindRank[b[0] ?? ''] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `f:` elements by field name. Most names recur in every object of a kind, so each is spelled
 * (and, as a FieldsV1 key, hashed) once; the bound keeps arbitrary map keys (labels) from
 * growing it without end.
 */
const fieldElements = new Map<string, PathElement>();
const MAX_FIELD_ELEMENTS = 10_000;

export function fieldElement(name: string): PathElement {
  let pe = fieldElements.get(name);
  if (pe === undefined) {
    pe = `f:${name}`;
    if (fieldElements.size < MAX_FIELD_ELEMENTS) fieldElements.set(name, pe);
  }
  return pe;
}

/**
 * A path as Kubernetes prints it in conflict messages:
 * `.spec.template.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`.
 */
export function formatPath(path: FieldPath): string {
  return path.map(formatElement).join('');
}

function formatElement(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const key = parseJson(body);
      if (typeof key !== 'object' || key === null) return `[${body}]`;
      const parts = Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      return `[${parts.join(',')}]`;
    }
    case 'v':
      return `[=${body}]`;
    case 'i':
      return `[${body}]`;
    default:
      return pe;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
