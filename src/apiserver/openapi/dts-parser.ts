// A parser for the declaration files of the `kubernetes-types` package. Those files are
// generated and use a small, regular subset of TypeScript: imports, `export interface` with
// documented properties, and `export type` aliases. The parser accepts exactly that subset and
// throws on anything else, so an upgrade of the package that changes the shape fails loudly
// (the tests parse every file of the installed package).

export type TypeExpr =
  | { kind: 'primitive'; name: 'string' | 'number' | 'boolean' }
  | { kind: 'literal'; value: string }
  | { kind: 'ref'; name: string }
  | { kind: 'array'; items: TypeExpr }
  | { kind: 'map'; values: TypeExpr }
  | { kind: 'union'; members: TypeExpr[] };

export interface PropertyDecl {
  name: string;
  optional: boolean;
  description?: string;
  type: TypeExpr;
}

export type Declaration =
  | { kind: 'interface'; name: string; description?: string; properties: PropertyDecl[] }
  | { kind: 'alias'; name: string; description?: string; type: TypeExpr };

export interface ParsedModule {
  /** Imported identifier → module specifier as written (e.g. "../meta/v1"). */
  imports: Map<string, string>;
  declarations: Declaration[];
}

type Token =
  | { kind: 'doc'; text: string; pos: number }
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'punct'; text: string; pos: number };

const PUNCTUATION = new Set(['{', '}', '[', ']', '<', '>', ':', ';', '?', '|', ',', '=']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
    } else if (source.startsWith('/**', i)) {
      const end = source.indexOf('*/', i + 3);
      if (end < 0) throw new SyntaxError(`unterminated comment at ${i}`);
      tokens.push({ kind: 'doc', text: docText(source.slice(i + 3, end)), pos: i });
      i = end + 2;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw new SyntaxError(`unterminated comment at ${i}`);
      i = end + 2;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end + 1;
    } else if (c === '"' || c === "'") {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new SyntaxError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: source.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (isIdentifierChar(source.charCodeAt(i), { first: true })) {
      let j = i + 1;
      while (j < source.length && isIdentifierChar(source.charCodeAt(j), { first: false })) j++;
      tokens.push({ kind: 'ident', text: source.slice(i, j), pos: i });
      i = j;
    } else if (PUNCTUATION.has(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
    } else {
      throw new SyntaxError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return tokens;
}

function isIdentifierChar(code: number, position: { first: boolean }): boolean {
  const letter = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 /* _ */ || code === 36; /* $ */
  return letter || (!position.first && code >= 48 && code <= 57);
}

/** The text of a `/** … *\/` comment: leading ` * ` stripped, lines joined with "\n". */
function docText(body: string): string {
  const lines = body.split('\n').map((line) => line.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  if (lines.length === 1) return (lines[0] ?? '').trim();
  return lines.join('\n');
}

class Parser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  parseModule(): ParsedModule {
    const imports = new Map<string, string>();
    const declarations: Declaration[] = [];
    while (!this.done()) {
      const description = this.optionalDoc();
      const keyword = this.ident();
      if (keyword === 'import') {
        this.punct('{');
        const names: string[] = [];
        while (!this.peekPunct('}')) {
          names.push(this.ident());
          if (this.peekPunct(',')) this.punct(',');
        }
        this.punct('}');
        this.keyword('from');
        const from = this.string();
        this.punct(';');
        for (const name of names) imports.set(name, from);
      } else if (keyword === 'export') {
        const what = this.ident();
        const name = this.ident();
        if (what === 'interface') {
          declarations.push({ kind: 'interface', name, ...withDescription(description), properties: this.properties() });
        } else if (what === 'type') {
          this.punct('=');
          const type = this.type();
          this.punct(';');
          declarations.push({ kind: 'alias', name, ...withDescription(description), type });
        } else {
          this.fail(`unsupported declaration "export ${what}"`);
        }
      } else {
        this.fail(`unsupported statement "${keyword}"`);
      }
    }
    return { imports, declarations };
  }

  private properties(): PropertyDecl[] {
    const properties: PropertyDecl[] = [];
    this.punct('{');
    while (!this.peekPunct('}')) {
      const description = this.optionalDoc();
      let name = this.ident();
      if (name === 'readonly' && !this.peekPunct(':') && !this.peekPunct('?')) name = this.ident();
      const optional = this.peekPunct('?');
      if (optional) this.punct('?');
      this.punct(':');
      const type = this.type();
      this.punct(';');
      properties.push({ name, optional, ...withDescription(description), type });
    }
    this.punct('}');
    return properties;
  }

  private type(): TypeExpr {
    const members = [this.postfixType()];
    while (this.peekPunct('|')) {
      this.punct('|');
      members.push(this.postfixType());
    }
    return members.length === 1 ? (members[0] as TypeExpr) : { kind: 'union', members };
  }

  private postfixType(): TypeExpr {
    let type = this.primaryType();
    while (this.peekPunct('[')) {
      this.punct('[');
      this.punct(']');
      type = { kind: 'array', items: type };
    }
    return type;
  }

  private primaryType(): TypeExpr {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'literal', value: token.text };
    if (token.kind === 'punct' && token.text === '{') {
      // `{ [name: string]: T; }`: the only object type literal the package uses.
      this.punct('[');
      this.ident();
      this.punct(':');
      this.keyword('string');
      this.punct(']');
      this.punct(':');
      const values = this.type();
      this.punct(';');
      this.punct('}');
      return { kind: 'map', values };
    }
    if (token.kind !== 'ident') return this.fail(`unexpected ${token.kind} "${token.text}" in a type`);
    if (token.text === 'string' || token.text === 'number' || token.text === 'boolean') {
      return { kind: 'primitive', name: token.text };
    }
    if (token.text === 'Array') {
      this.punct('<');
      const items = this.type();
      this.punct('>');
      return { kind: 'array', items };
    }
    return { kind: 'ref', name: token.text };
  }

  private optionalDoc(): string | undefined {
    let text: string | undefined;
    while (this.tokens[this.index]?.kind === 'doc') text = (this.tokens[this.index++] as Token).text;
    return text;
  }

  private done(): boolean {
    return this.index >= this.tokens.length;
  }

  private next(): Token {
    const token = this.tokens[this.index++];
    if (!token) return this.fail('unexpected end of file');
    return token;
  }

  private peekPunct(text: string): boolean {
    const token = this.tokens[this.index];
    return token?.kind === 'punct' && token.text === text;
  }

  private punct(text: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) this.fail(`expected "${text}", found "${token.text}"`, token);
  }

  private ident(): string {
    const token = this.next();
    if (token.kind !== 'ident') this.fail(`expected an identifier, found "${token.text}"`, token);
    return token.text;
  }

  private keyword(text: string): void {
    if (this.ident() !== text) this.fail(`expected "${text}"`);
  }

  private string(): string {
    const token = this.next();
    if (token.kind !== 'string') this.fail(`expected a string, found "${token.text}"`, token);
    return token.text;
  }

  private fail(message: string, token = this.tokens[this.index - 1]): never {
    throw new SyntaxError(`${this.file}: ${message} (offset ${token?.pos ?? 'end'})`);
  }
}

function withDescription(description: string | undefined): { description?: string } {
  return description === undefined ? {} : { description };
}

/** Parses one `.d.ts` file of `kubernetes-types`; `file` only names it in errors. */
export function parseDeclarations(source: string, file: string): ParsedModule {
  return new Parser(tokenize(source), file).parseModule();
}
