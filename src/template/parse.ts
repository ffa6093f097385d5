/**
 * The parser of Go's text/template language: tokens from lex.ts into a tree of nodes, one tree
 * per template (`{{define}}` and `{{block}}` add named trees beside the main one). Errors carry
 * Go's wording (`template: NAME:LINE: MESSAGE`), and functions and variables are checked at parse
 * time as Go checks them, so a rule file with an unknown function fails when it is loaded.
 */
import { lex, Tok, type Token } from './lex.js';

/** A node that produces a value inside a command. */
export type Arg =
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'chain'; pos: number; node: Arg; field: string[] }
  | { type: 'identifier'; pos: number; ident: string }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | NumberNode
  | { type: 'string'; pos: number; quoted: string; text: string }
  | PipeNode;

/** A numeric constant, with the readings Go's parser gives it (an int, a float, or both). */
export interface NumberNode {
  type: 'number';
  pos: number;
  /** The literal as written. */
  text: string;
  /** The value fits an int. */
  isInt: boolean;
  /** The value reads as a float. */
  isFloat: boolean;
  /** The int reading. */
  int: bigint;
  /** The float reading. */
  float: number;
}

/** One command of a pipeline: an operand followed by arguments. */
export interface CommandNode {
  type: 'command';
  pos: number;
  args: Arg[];
}

/** A pipeline with its optional variable declarations. */
export interface PipeNode {
  type: 'pipe';
  pos: number;
  line: number;
  /** `$x = …` rather than `$x := …`. */
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}

/** `if`, `range` and `with`. */
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}

/** A node of a template's body. */
export type Node =
  | ListNode
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; line: number; pipe: PipeNode }
  | BranchNode
  | { type: 'template'; pos: number; line: number; name: string; pipe: PipeNode | null }
  | { type: 'break' | 'continue'; pos: number; line: number }
  | { type: 'comment'; pos: number };

/** A sequence of nodes. */
export interface ListNode {
  type: 'list';
  pos: number;
  nodes: Node[];
}

/** A parsed template text: the main tree and every tree defined in it, by name. */
export interface ParsedTemplates {
  /** The name the text was parsed under, which errors quote. */
  parseName: string;
  /** The text, from which error positions are computed. */
  text: string;
  /** Every template by name, the main one included. */
  trees: Map<string, ListNode>;
}

/** A parse error, with Go's message. */
export class TemplateParseError extends Error {
  /** Builds the error with Go's `template: NAME:LINE: MESSAGE` message. */
  constructor(message: string) {
    super(message);
    this.name = 'TemplateParseError';
  }
}

type Marker = { type: 'end' | 'else'; pos: number; line: number };

/** Go's rendering of a token in "unexpected …" errors. */
function tokenString(t: Token): string {
  if (t.typ === Tok.EOF) return 'EOF';
  if (t.typ === Tok.Error) return t.val;
  if (t.typ >= Tok.Block || t.typ === Tok.Dot || t.typ === Tok.Nil) return `<${t.val}>`;
  if (t.val.length > 10) return `${goQuote(t.val.slice(0, 10))}...`;
  return goQuote(t.val);
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Parses a template text; `hasFunction` tells which function names are defined. */
export function parse(name: string, text: string, hasFunction: (name: string) => boolean): ParsedTemplates {
  const toks = lex(text);
  let i = 0;
  let last: Token = toks[0]!;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  const trees = new Map<string, ListNode>();

  const errorf = (msg: string): never => {
    throw new TemplateParseError(`template: ${name}:${last.line}: ${msg}`);
  };
  const next = (): Token => {
    last = toks[Math.min(i, toks.length - 1)]!;
    if (last.typ === Tok.Error) errorf(last.val);
    i++;
    return last;
  };
  const backup = (): void => {
    i--;
  };
  const peek = (): Token => toks[Math.min(i, toks.length - 1)]!;
  const nextNonSpace = (): Token => {
    let t = next();
    while (t.typ === Tok.Space) t = next();
    return t;
  };
  const peekNonSpace = (): Token => {
    const t = nextNonSpace();
    backup();
    return t;
  };
  const unexpected = (t: Token, context: string): never =>
    errorf(`unexpected ${tokenString(t)} in ${context}`);
  const expect = (typ: Tok, context: string): Token => {
    const t = nextNonSpace();
    if (t.typ !== typ) unexpected(t, context);
    return t;
  };

  function itemList(): { list: ListNode; end: Marker } {
    const list: ListNode = { type: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().typ !== Tok.EOF) {
      const n = textOrAction();
      if (n.type === 'end' || n.type === 'else') return { list, end: n as Marker };
      list.nodes.push(n as Node);
    }
    return errorf('unexpected EOF');
  }

  function textOrAction(): Node | Marker {
    const t = nextNonSpace();
    switch (t.typ) {
      case Tok.Text:
        return { type: 'text', pos: t.pos, text: t.val };
      case Tok.LeftDelim:
        return action();
      case Tok.Comment:
        return { type: 'comment', pos: t.pos };
      default:
        return unexpected(t, 'input');
    }
  }

  function action(): Node | Marker {
    const t = nextNonSpace();
    switch (t.typ) {
      case Tok.Block:
        return blockControl();
      case Tok.Break:
      case Tok.Continue: {
        const word = t.typ === Tok.Break ? 'break' : 'continue';
        if (rangeDepth === 0) errorf(`{{${word}}} outside {{range}}`);
        const r = nextNonSpace();
        if (r.typ !== Tok.RightDelim) unexpected(r, `{{${word}}}`);
        return { type: word, pos: t.pos, line: t.line };
      }
      case Tok.Else: {
        const p = peekNonSpace();
        if (p.typ === Tok.If || p.typ === Tok.With) return { type: 'else', pos: p.pos, line: p.line };
        const r = expect(Tok.RightDelim, 'else');
        return { type: 'else', pos: r.pos, line: r.line };
      }
      case Tok.End: {
        const r = expect(Tok.RightDelim, 'end');
        return { type: 'end', pos: r.pos, line: r.line };
      }
      case Tok.If:
        return control('if');
      case Tok.Range:
        return control('range');
      case Tok.With:
        return control('with');
      case Tok.Template:
        return templateControl();
    }
    backup();
    const p = peek();
    return { type: 'action', pos: p.pos, line: p.line, pipe: pipeline('command', Tok.RightDelim) };
  }

  function control(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = vars.length;
    const pipe = pipeline(context, Tok.RightDelim);
    if (context === 'range') rangeDepth++;
    const { list, end } = itemList();
    if (context === 'range') rangeDepth--;
    let elseList: ListNode | null = null;
    if (end.type === 'else') {
      // `{{else if …}}` and `{{else with …}}` read as `{{else}}{{if …}}…{{end}}{{end}}`, the
      // inner {{end}} doing for both.
      const p = peek();
      if ((context === 'if' && p.typ === Tok.If) || (context === 'with' && p.typ === Tok.With)) {
        next();
        elseList = { type: 'list', pos: end.pos, nodes: [control(context)] };
      } else {
        const r = itemList();
        elseList = r.list;
        if (r.end.type !== 'end') errorf('expected end; found {{else}}');
      }
    }
    vars = vars.slice(0, mark);
    return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  function templateName(t: Token, context: string): string {
    if (t.typ !== Tok.String && t.typ !== Tok.RawString) unexpected(t, context);
    return unquote(t.val, errorf);
  }

  function templateControl(): Node {
    const context = 'template clause';
    const t = nextNonSpace();
    const tname = templateName(t, context);
    let pipe: PipeNode | null = null;
    if (nextNonSpace().typ !== Tok.RightDelim) {
      backup();
      pipe = pipeline(context, Tok.RightDelim);
    }
    return { type: 'template', pos: t.pos, line: t.line, name: tname, pipe };
  }

  function blockControl(): Node {
    const context = 'block clause';
    const t = nextNonSpace();
    const tname = templateName(t, context);
    const pipe = pipeline(context, Tok.RightDelim);
    const saved = vars;
    vars = ['$'];
    const { list, end } = itemList();
    vars = saved;
    if (end.type !== 'end') errorf(`unexpected {{else}} in ${context}`);
    addTree(tname, list);
    return { type: 'template', pos: t.pos, line: t.line, name: tname, pipe };
  }

  function definition(): void {
    const context = 'define clause';
    const t = nextNonSpace();
    if (t.typ !== Tok.String && t.typ !== Tok.RawString) unexpected(t, context);
    const tname = unquote(t.val, errorf);
    expect(Tok.RightDelim, context);
    const saved = vars;
    vars = ['$'];
    const { list, end } = itemList();
    vars = saved;
    if (end.type !== 'end') errorf(`unexpected {{else}} in ${context}`);
    addTree(tname, list);
  }

  // A later definition replaces an earlier one, except that an empty body never replaces a
  // non-empty one (Go's AddParseTree rule).
  function addTree(tname: string, list: ListNode): void {
    if (trees.has(tname) && isEmptyTree(list)) return;
    trees.set(tname, list);
  }

  function pipeline(context: string, end: Tok): PipeNode {
    const first = peekNonSpace();
    const pipe: PipeNode = {
      type: 'pipe',
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    for (;;) {
      const v = peekNonSpace();
      if (v.typ !== Tok.Variable) break;
      next();
      const after = peek();
      const n = peekNonSpace();
      if (n.typ === Tok.Assign || n.typ === Tok.Declare) {
        pipe.isAssign = n.typ === Tok.Assign;
        nextNonSpace();
        pipe.decl.push(v.val);
        vars.push(v.val);
        break;
      }
      if (n.typ === Tok.Comma && n.val === ',') {
        nextNonSpace();
        pipe.decl.push(v.val);
        vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace().typ;
          if (p === Tok.Variable || p === Tok.RightDelim || p === Tok.RightParen) continue;
          errorf('range can only initialize variables');
        }
        errorf(`too many declarations in ${context}`);
      }
      // Not a declaration: put the variable back (and the space after it, which separates
      // operands).
      i -= after.typ === Tok.Space ? 2 : 1;
      break;
    }
    for (;;) {
      const t = nextNonSpace();
      if (t.typ === end) {
        if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
        for (let k = 1; k < pipe.cmds.length; k++) {
          const a = pipe.cmds[k]!.args[0]!;
          if (
            a.type === 'bool' ||
            a.type === 'dot' ||
            a.type === 'nil' ||
            a.type === 'number' ||
            a.type === 'string'
          )
            errorf(`non executable command in pipeline stage ${k + 1}`);
        }
        return pipe;
      }
      switch (t.typ) {
        case Tok.Bool:
        case Tok.Char:
        case Tok.Dot:
        case Tok.Field:
        case Tok.Identifier:
        case Tok.Number:
        case Tok.Nil:
        case Tok.RawString:
        case Tok.String:
        case Tok.Variable:
        case Tok.LeftParen:
          backup();
          pipe.cmds.push(command());
          break;
        default:
          unexpected(t, context);
      }
    }
  }

  function command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.typ === Tok.Space) continue;
      if (t.typ === Tok.RightDelim || t.typ === Tok.RightParen) backup();
      else if (t.typ !== Tok.Pipe) unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  }

  function operand(): Arg | null {
    const node = term();
    if (!node) return null;
    if (peek().typ !== Tok.Field) return node;
    const pos = peek().pos;
    const fields: string[] = [];
    while (peek().typ === Tok.Field) fields.push(next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return errorf(`unexpected . after term ${goQuote(argString(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  function term(): Arg | null {
    const t = nextNonSpace();
    switch (t.typ) {
      case Tok.Identifier:
        if (!hasFunction(t.val)) errorf(`function ${goQuote(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case Tok.Dot:
        return { type: 'dot', pos: t.pos };
      case Tok.Nil:
        return { type: 'nil', pos: t.pos };
      case Tok.Variable:
        if (!vars.includes(t.val)) errorf(`undefined variable ${goQuote(t.val)}`);
        return { type: 'variable', pos: t.pos, ident: [t.val] };
      case Tok.Field:
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case Tok.Bool:
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case Tok.Char:
      case Tok.Number:
        return parseNumber(t, errorf);
      case Tok.LeftParen:
        return pipeline('parenthesized pipeline', Tok.RightParen);
      case Tok.String:
      case Tok.RawString:
        return { type: 'string', pos: t.pos, quoted: t.val, text: unquote(t.val, errorf) };
    }
    backup();
    return null;
  }

  // The top level: definitions go to their own trees, everything else to the main one.
  const root: ListNode = { type: 'list', pos: 0, nodes: [] };
  while (peek().typ !== Tok.EOF) {
    if (peek().typ === Tok.LeftDelim) {
      const delim = next();
      if (nextNonSpace().typ === Tok.Define) {
        definition();
        continue;
      }
      i = toks.indexOf(delim);
    }
    const n = textOrAction();
    if (n.type === 'end' || n.type === 'else') errorf(`unexpected {{${n.type}}}`);
    root.nodes.push(n as Node);
  }
  if (!trees.has(name) || !isEmptyTree(root)) trees.set(name, root);
  return { parseName: name, text, trees };
}

/** True when a tree holds only whitespace text and comments (Go's parse.IsEmptyTree). */
function isEmptyTree(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === 'comment' || (n.type === 'text' && n.text.trim() === ''));
}

function parseNumber(t: Token, errorf: (msg: string) => never): NumberNode {
  const node: NumberNode = {
    type: 'number',
    pos: t.pos,
    text: t.val,
    isInt: false,
    isFloat: false,
    int: 0n,
    float: 0,
  };
  if (t.typ === Tok.Char) {
    const s = unquoteChar(t.val);
    if (s === null) errorf(`malformed character constant: ${t.val}`);
    const cp = s!.codePointAt(0)!;
    return { ...node, isInt: true, isFloat: true, int: BigInt(cp), float: cp };
  }
  const text = t.val;
  if (text.endsWith('i')) errorf(`complex constants are not supported: ${text}`);
  const clean = text.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  // Integers: decimal, 0x, 0o, 0b, and a leading 0 for octal.
  let int: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(body) || /^0[bB][01]+$/.test(body) || /^0[oO][0-7]+$/.test(body))
    int = BigInt(body.toLowerCase());
  else if (/^0[0-7]+$/.test(body)) int = BigInt('0o' + body.slice(1));
  else if (/^[0-9]+$/.test(body)) int = BigInt(body);
  if (int !== null) {
    if (neg) int = -int;
    if (int >= -(1n << 63n) && int < 1n << 63n) {
      node.isInt = true;
      node.int = int;
    }
    node.isFloat = true;
    node.float = Number(int);
    if (!node.isInt && !/[.eEpP]/.test(text)) errorf(`integer overflow: ${goQuote(text)}`);
    return node;
  }
  let f: number;
  if (/^0[xX]/.test(body)) f = parseHexFloat(body);
  else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) f = Number(body);
  else f = NaN;
  if (Number.isNaN(f)) return errorf(`illegal number syntax: ${goQuote(text)}`);
  node.isFloat = true;
  node.float = neg ? -f : f;
  if (Number.isInteger(node.float) && Math.abs(node.float) < 2 ** 63) {
    node.isInt = true;
    node.int = BigInt(node.float);
  }
  return node;
}

function parseHexFloat(body: string): number {
  const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?$/.exec(body);
  if (!m || (m[1] === '' && m[2] === '')) return NaN;
  const mant = parseInt((m[1] || '0') + (m[2] ?? ''), 16);
  return mant * 2 ** (Number(m[3] ?? '0') - 4 * (m[2]?.length ?? 0));
}

/** Go's strconv.Unquote for "…" and `…` literals. */
export function unquote(lit: string, errorf: (msg: string) => never): string {
  if (lit.startsWith('`')) return lit.slice(1, -1).replace(/\r/g, '');
  let out = '';
  const body = lit.slice(1, -1);
  for (let k = 0; k < body.length;) {
    const c = body[k]!;
    if (c !== '\\') {
      out += c;
      k++;
      continue;
    }
    const r = readEscape(body, k, '"');
    if (!r) return errorf('invalid syntax');
    out += r.s;
    k = r.next;
  }
  return out;
}

function unquoteChar(lit: string): string | null {
  const body = lit.slice(1, -1);
  if (body.startsWith('\\')) {
    const r = readEscape(body, 0, "'");
    return r && r.next === body.length ? r.s : null;
  }
  return [...body].length === 1 ? body : null;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

// One backslash escape of a Go literal. Byte escapes (\xNN, octal) build UTF-8 bytes; a run of
// them is decoded together so that "\xc3\xa9" reads as é.
function readEscape(body: string, k: number, quote: string): { s: string; next: number } | null {
  const c = body[k + 1];
  if (c === undefined) return null;
  if (c in SIMPLE_ESCAPES) return { s: SIMPLE_ESCAPES[c]!, next: k + 2 };
  if (c === quote) return { s: c, next: k + 2 };
  if (c === 'u' || c === 'U') {
    const n = c === 'u' ? 4 : 8;
    const hex = body.slice(k + 2, k + 2 + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return null;
    return { s: String.fromCodePoint(cp), next: k + 2 + n };
  }
  if (c === 'x' || (c >= '0' && c <= '7')) {
    const bytes: number[] = [];
    let p = k;
    while (body[p] === '\\' && (body[p + 1] === 'x' || /[0-7]/.test(body[p + 1] ?? ''))) {
      if (body[p + 1] === 'x') {
        const hex = body.slice(p + 2, p + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
        bytes.push(parseInt(hex, 16));
      } else {
        const oct = body.slice(p + 1, p + 4);
        if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return null;
        bytes.push(parseInt(oct, 8));
      }
      p += 4;
    }
    return { s: Buffer.from(bytes).toString('utf8'), next: p };
  }
  return null;
}

/** Go's String() of an argument node, as execution errors quote it in `at <…>`. */
export function argString(a: Arg): string {
  switch (a.type) {
    case 'field':
      return '.' + a.ident.join('.');
    case 'variable':
      return a.ident.join('.');
    case 'chain': {
      const inner = a.node.type === 'pipe' ? `(${argString(a.node)})` : argString(a.node);
      return inner + '.' + a.field.join('.');
    }
    case 'identifier':
      return a.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'pipe': {
      const decl = a.decl.length ? a.decl.join(', ') + (a.isAssign ? ' = ' : ' := ') : '';
      return decl + a.cmds.map(commandString).join(' | ');
    }
  }
}

/** Go's String() of a command node. */
export function commandString(c: CommandNode): string {
  return c.args.map((a) => (a.type === 'pipe' ? `(${argString(a)})` : argString(a))).join(' ');
}
