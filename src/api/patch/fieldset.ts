// Sets of field paths, as server-side apply records ownership, and their `FieldsV1` encoding:
//   {"f:metadata":{"f:labels":{".":{},"f:app":{}}}}
// Each path element is spelled as in FieldsV1: `f:<field>`, `k:<json of key fields>` (an item
// of a map-typed list), `v:<json value>` (an item of a set), `i:<index>`. A node whose value is
// `{}` is a member (an owned leaf); "." marks a node that is owned itself and also has children.

/** One step of a path in its FieldsV1 spelling. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

export class FieldSet {
  private readonly memberSet = new Set<PathElement>();
  private readonly childSets = new Map<PathElement, FieldSet>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  /** Adds `path` as a member (an owned node). */
  insert(path: FieldPath): void {
    const [head, ...rest] = path;
    if (head === undefined) return;
    if (rest.length === 0) {
      this.memberSet.add(head);
      return;
    }
    let child = this.childSets.get(head);
    if (!child) {
      child = new FieldSet();
      this.childSets.set(head, child);
    }
    child.insert(rest);
  }

  has(path: FieldPath): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    if (rest.length === 0) return this.memberSet.has(head);
    return this.childSets.get(head)?.has(rest) ?? false;
  }

  members(): ReadonlySet<PathElement> {
    return this.memberSet;
  }

  children(): ReadonlyMap<PathElement, FieldSet> {
    return this.childSets;
  }

  isEmpty(): boolean {
    return this.memberSet.size === 0 && this.childSets.size === 0;
  }

  /** Every member path, in FieldsV1 order. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    for (const pe of this.sortedElements()) {
      if (this.memberSet.has(pe)) out.push([pe]);
      const child = this.childSets.get(pe);
      if (child) for (const p of child.paths()) out.push([pe, ...p]);
    }
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const p of other.paths()) out.insert(p);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => other.has(p)));
  }

  /** The member paths for which `keep` is true. */
  filter(keep: (path: FieldPath) => boolean): FieldSet {
    return FieldSet.of(this.paths().filter(keep));
  }

  copy(): FieldSet {
    return FieldSet.of(this.paths());
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }

  /** The FieldsV1 JSON object: "." first, then path elements in Kubernetes' order. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pe of this.sortedElements()) {
      const child = this.childSets.get(pe);
      if (!child) {
        out[pe] = {};
        continue;
      }
      const encoded = child.toFieldsV1();
      out[pe] = this.memberSet.has(pe) ? { '.': {}, ...encoded } : encoded;
    }
    return out;
  }

  /** Parses FieldsV1; anything that is not an object of objects is ignored. */
  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, prefix: PathElement[]): void => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '.') {
          set.insert(prefix);
          continue;
        }
        const isLeaf = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
        if (isLeaf) set.insert([...prefix, key]);
        else walk(value, [...prefix, key]);
      }
    };
    walk(json, []);
    return set;
  }

  private sortedElements(): PathElement[] {
    const all = new Set<PathElement>([...this.memberSet, ...this.childSets.keys()]);
    return [...all].sort(comparePathElements);
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

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
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
