/**
 * The executor of Go's text/template: walks a parsed tree with a data value and a function map,
 * writing text. Semantics follow Go's (variables scoped by control structures, pipelines passing
 * the previous value as the last argument, fields of structs and keys of maps, sorted map ranges,
 * typed function arguments), and errors carry Go's
 * `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE` shape.
 *
 * Unlike Go, execution is bounded: a template comes from a rule file and must not be able to
 * hang rule evaluation or exhaust memory, so steps, output size and template call depth have
 * limits (named constants below).
 */
import {
  argString,
  commandString,
  type Arg,
  type CommandNode,
  type ListNode,
  type Node,
  type ParsedTemplates,
  type PipeNode,
} from './parse.js';
import { formatValue } from './fmt.js';
import {
  GoDuration,
  GoMap,
  GoSlice,
  GoStruct,
  GoTime,
  isMap,
  isTrue,
  mapGet,
  sliceItems,
  sortedEntries,
  typeName,
  type GoValue,
} from './value.js';

/**
 * The most nodes and commands one execution may evaluate. A rule's annotations are expanded for
 * every alert on every evaluation, so even a runaway `{{range}}` over a large integer must end
 * quickly; a million steps take well under a second and no real annotation comes close.
 */
export const MAX_EXEC_STEPS = 1_000_000;

/**
 * The longest output or intermediate string, in UTF-16 code units. Doubling a string in a loop
 * reaches gigabytes in thirty steps; annotations are sent to Alertmanager and are small.
 */
export const MAX_OUTPUT_LENGTH = 4 << 20;

/**
 * The deepest nesting of `{{template}}` calls. Go allows 100,000, which a JavaScript stack
 * cannot hold; recursion this deep in an annotation is a bug, not a design.
 */
export const MAX_TEMPLATE_DEPTH = 1000;

/** The Go types a function parameter can have; they decide how arguments are checked. */
export type ParamType =
  | 'any'
  | 'reflect.Value'
  | 'string'
  | 'float64'
  | 'int'
  | 'bool'
  | '*template.sample'
  | 'template.queryResult';

/** A function callable from templates, with its Go signature. */
export interface TemplateFunc {
  /** Fixed parameters. */
  params: ParamType[];
  /** The element type of a trailing variadic parameter. */
  variadic?: ParamType;
  /** The body; throwing a {@link FuncError} is Go's non-nil error result. */
  fn: (...args: GoValue[]) => GoValue;
}

/** An error returned by a template function (Go's second result); the executor adds context. */
export class FuncError extends Error {
  /** Builds the error with the function's own message. */
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}

/** An execution error, with Go's message. */
export class TemplateExecError extends Error {
  /** Builds the error with the full `template: …` message. */
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

/**
 * Thrown through the executor when a function needs an asynchronous result first (a `query`
 * whose function returned a promise); the caller awaits `promise` and runs the template again.
 */
export class Suspend {
  /** Builds the signal around the pending work. */
  constructor(readonly promise: Promise<unknown>) {}
}

/** The absent final argument of the first command of a pipeline. */
const MISSING: unique symbol = Symbol('missing');
type Final = GoValue | typeof MISSING;

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

const PARAM_DISPLAY: Record<ParamType, string> = {
  any: 'interface {}',
  'reflect.Value': 'reflect.Value',
  string: 'string',
  float64: 'float64',
  int: 'int',
  bool: 'bool',
  '*template.sample': '*template.sample',
  'template.queryResult': 'template.queryResult',
};

/** Executes the template `name` of a parsed set with `data` as dot, returning the output. */
export function execute(
  set: ParsedTemplates,
  name: string,
  data: GoValue,
  funcs: ReadonlyMap<string, TemplateFunc>,
): string {
  const tree = set.trees.get(name);
  if (!tree) throw new TemplateExecError(`template: ${name}: "${name}" is an incomplete or empty template`);
  const ex = new Executor(set, funcs);
  try {
    ex.run(name, tree, data);
  } catch (e) {
    if (e instanceof RangeError && ex.node) {
      ex.errorf('exceeded the JavaScript stack (template recursion too deep)');
    }
    throw e;
  }
  return ex.out;
}

type VarFrame = { name: string; value: GoValue };

class Executor {
  out = '';
  node: { pos: number; str: string } | null = null;
  private steps = 0;
  private vars: VarFrame[] = [];
  private tmplName = '';
  private depth = 0;

  constructor(
    private readonly set: ParsedTemplates,
    private readonly funcs: ReadonlyMap<string, TemplateFunc>,
  ) {}

  run(name: string, tree: ListNode, data: GoValue): void {
    this.tmplName = name;
    this.vars = [{ name: '$', value: data }];
    this.walk(data, tree);
  }

  // ---- Errors -------------------------------------------------------------------------------

  at(pos: number, str: string): void {
    this.node = { pos, str };
  }

  errorf(msg: string): never {
    const name = this.tmplName;
    if (!this.node) throw new TemplateExecError(`template: ${name}: ${msg}`);
    const text = this.set.text.slice(0, this.node.pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(nl < 0 ? text : text.slice(nl + 1), 'utf8');
    throw new TemplateExecError(
      `template: ${this.set.parseName}:${line}:${col}: executing ${JSON.stringify(name)} at <${this.node.str}>: ${msg}`,
    );
  }

  private step(): void {
    if (++this.steps > MAX_EXEC_STEPS)
      this.errorf(`exceeded the maximum of ${MAX_EXEC_STEPS} execution steps`);
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > MAX_OUTPUT_LENGTH) this.errorf(`output exceeds ${MAX_OUTPUT_LENGTH} characters`);
  }

  // ---- Variables ----------------------------------------------------------------------------

  private push(name: string, value: GoValue): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.errorf(`undefined variable: ${name}`);
  }

  // ---- Walking ------------------------------------------------------------------------------

  private walk(dot: GoValue, node: Node): void {
    this.step();
    switch (node.type) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.write(node.text);
        return;
      case 'comment':
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node.pipe, val);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const val = this.evalPipeline(dot, node.pipe);
        if (isTrue(val)) {
          this.walk(node.type === 'with' ? val : dot, node.list);
        } else if (node.elseList) {
          this.walk(dot, node.elseList);
        }
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, node.pipe, node.list, node.elseList);
      case 'template':
        return this.walkTemplate(dot, node.pos, node.name, node.pipe);
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private walkRange(dot: GoValue, pipe: PipeNode, list: ListNode, elseList: ListNode | null): void {
    this.at(pipe.pos, argString(pipe));
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, pipe);
    const bodyMark = this.vars.length;
    const oneIteration = (index: GoValue, elem: GoValue): boolean => {
      if (pipe.decl.length > 0) {
        if (pipe.isAssign) this.setVar(pipe.decl[0]!, pipe.decl.length > 1 ? index : elem);
        else this.vars[this.vars.length - 1]!.value = elem;
      }
      if (pipe.decl.length > 1) {
        if (pipe.isAssign) this.setVar(pipe.decl[1]!, elem);
        else this.vars[this.vars.length - 2]!.value = index;
      }
      try {
        this.walk(elem, list);
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = bodyMark;
      }
      return true;
    };
    let iterated = false;
    const items = sliceItems(val);
    if (items) {
      for (let i = 0; i < items.length; i++) {
        iterated = true;
        if (!oneIteration(BigInt(i), items[i])) break;
      }
    } else if (typeof val === 'bigint') {
      if (pipe.decl.length > 1)
        this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
      for (let i = 0n; i < val; i++) {
        iterated = true;
        this.step();
        if (!oneIteration(i, i)) break;
      }
    } else if (val !== undefined && val !== null && isMap(val)) {
      for (const [k, v] of sortedEntries(val)) {
        iterated = true;
        if (!oneIteration(k, v)) break;
      }
    } else if (val !== undefined && val !== null) {
      this.errorf(`range can't iterate over ${formatValue(val, 'v', 1)}`);
    }
    if (!iterated && elseList) this.walk(dot, elseList);
    this.vars.length = mark;
  }

  private walkTemplate(dot: GoValue, pos: number, name: string, pipe: PipeNode | null): void {
    this.at(pos, `{{template ${JSON.stringify(name)}${pipe ? ' ' + argString(pipe) : ''}}}`);
    const tree = this.set.trees.get(name);
    if (!tree) this.errorf(`template ${JSON.stringify(name)} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH)
      this.errorf(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const newDot = pipe ? this.evalPipeline(dot, pipe) : undefined;
    const saved = { vars: this.vars, name: this.tmplName };
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = name;
    this.depth++;
    try {
      this.walk(newDot, tree!);
    } finally {
      this.depth--;
      this.vars = saved.vars;
      this.tmplName = saved.name;
    }
  }

  private printValue(pipe: PipeNode, v: GoValue): void {
    this.at(pipe.pos, argString(pipe));
    // A nil at the top level of an action prints as "<no value>", as in Go.
    if (typeof v === 'function') this.errorf(`can't print ${argString(pipe)} of type ${typeName(v)}`);
    this.write(v === null ? '<no value>' : formatValue(v));
  }

  // ---- Pipelines and commands ---------------------------------------------------------------

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe.pos, argString(pipe));
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface result reads as no value at all, as Go's reflection makes it.
      if (value === null) value = undefined;
    }
    const v = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, v);
      else this.push(name, v);
    }
    return v;
  }

  private notAFunction(args: Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${argString(args[0]!)}`);
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        this.at(first.pos, argString(first));
        return this.evalFieldChain(dot, dot, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first.ident, first.pos, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first.ident, first.pos, cmd.args, final);
    }
    this.at(first.pos, argString(first));
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: Extract<Arg, { type: 'number' }>): GoValue {
    const isHexInt = /^[+-]?0[xX][0-9a-fA-F_]*$/.test(n.text);
    const isRune = n.text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRune && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    if (n.isFloat) return n.float;
    return this.errorf(`${n.text} overflows int`);
  }

  private evalVariable(dot: GoValue, ident: string[], pos: number, args: Arg[], final: Final): GoValue {
    this.at(pos, ident.join('.'));
    const value = this.varValue(ident[0]!);
    if (ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, ident.slice(1), args, final);
  }

  private evalChain(
    dot: GoValue,
    chain: Extract<Arg, { type: 'chain' }>,
    args: Arg[],
    final: Final,
  ): GoValue {
    this.at(chain.pos, argString(chain));
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${argString(chain)}`);
    // Errors in the fields are reported at the inner node, as Go's evalArg leaves it current.
    const value = this.evalArg(dot, 'reflect.Value', chain.node);
    return this.evalFieldChain(dot, value, chain.field, args, final);
  }

  private evalFieldChain(
    dot: GoValue,
    receiver: GoValue,
    ident: string[],
    args: Arg[],
    final: Final,
  ): GoValue {
    // Errors name the receiver's static type, which differs from its value's type where a
    // struct field or map element is declared interface {}.
    let staticType: string | null = null;
    for (let i = 0; i < ident.length - 1; i++) {
      const r = receiver;
      receiver = this.evalField(ident[i]!, [], MISSING, r, staticType);
      staticType = elementStaticType(r, ident[i]!);
    }
    void dot;
    return this.evalField(ident[ident.length - 1]!, args, final, receiver, staticType);
  }

  private evalField(
    name: string,
    args: Arg[],
    final: Final,
    receiver: GoValue,
    staticType: string | null,
  ): GoValue {
    if (receiver === undefined) return undefined;
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    // The few methods of time.Time and time.Duration that templates call.
    const method = methodOf(receiver, name);
    if (method) {
      if (hasArgs)
        this.errorf(
          `wrong number of args for ${name}: want 0 got ${args.length - 1 + (final === MISSING ? 0 : 1)}`,
        );
      return method();
    }
    if (receiver instanceof GoStruct) {
      if (receiver.fields.has(name)) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return receiver.fields.get(name);
      }
    } else if (isMap(receiver)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return mapGet(receiver, name).value;
    }
    return this.errorf(`can't evaluate field ${name} in type ${staticType ?? typeName(receiver)}`);
  }

  private evalFunction(
    dot: GoValue,
    name: string,
    pos: number,
    cmd: CommandNode,
    args: Arg[],
    final: Final,
  ): GoValue {
    this.at(pos, name);
    const fn = this.funcs.get(name);
    if (!fn) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, fn!, cmd, name, args.slice(1), final);
  }

  private evalCall(
    dot: GoValue,
    fn: TemplateFunc,
    cmd: CommandNode,
    name: string,
    args: Arg[],
    final: Final,
  ): GoValue {
    const numIn = args.length + (final === MISSING ? 0 : 1);
    const numFixed = fn.params.length;
    if (fn.variadic) {
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${numIn}`);
    } else if (numIn !== numFixed) {
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    // and/or evaluate their arguments lazily and return the deciding one.
    if (name === 'and' || name === 'or') {
      const at = this.node;
      let v: GoValue = undefined;
      for (const a of args) {
        v = this.evalArg(dot, 'reflect.Value', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      this.node = at;
      return v;
    }
    const argv: GoValue[] = [];
    for (let i = 0; i < args.length; i++) {
      const t = i < numFixed ? fn.params[i]! : fn.variadic!;
      argv.push(this.evalArg(dot, t, args[i]!));
    }
    if (final !== MISSING) {
      const t =
        numFixed > 0 && (!fn.variadic || argv.length < numFixed) ? fn.params[numFixed - 1]! : fn.variadic!;
      argv.push(this.validateType(final, t));
    }
    let result: GoValue;
    try {
      result = fn.fn(...argv);
    } catch (e) {
      if (e instanceof Suspend || e instanceof TemplateExecError) throw e;
      this.at(cmd.pos, commandString(cmd));
      const msg = e instanceof Error ? e.message : String(e);
      return this.errorf(`error calling ${name}: ${msg}`);
    }
    if (typeof result === 'string' && result.length > MAX_OUTPUT_LENGTH) {
      this.at(cmd.pos, commandString(cmd));
      this.errorf(`result of ${name} exceeds ${MAX_OUTPUT_LENGTH} characters`);
    }
    return result;
  }

  /** Evaluates an argument for a parameter of type `t` (Go's evalArg). */
  private evalArg(dot: GoValue, t: ParamType, n: Arg): GoValue {
    this.at(n.pos, argString(n));
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, t);
      case 'nil':
        if (t === 'reflect.Value') return undefined;
        if (t === 'any' || t === '*template.sample' || t === 'template.queryResult') return null;
        return this.errorf(`cannot assign nil to ${PARAM_DISPLAY[t]}`);
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n.ident, [n], MISSING), t);
      case 'variable':
        return this.validateType(this.evalVariable(dot, n.ident, n.pos, [n], MISSING), t);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier': {
        const cmd: CommandNode = { type: 'command', pos: n.pos, args: [n] };
        return this.validateType(this.evalFunction(dot, n.ident, n.pos, cmd, [n], MISSING), t);
      }
      case 'chain':
        return this.validateType(this.evalChain(dot, n, [n], MISSING), t);
    }
    switch (t) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        return this.errorf(`expected bool; found ${argString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        return this.errorf(`expected float; found ${argString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        return this.errorf(`expected integer; found ${argString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        return this.errorf(`expected string; found ${argString(n)}`);
      case 'any':
      case 'reflect.Value':
        if (n.type === 'bool') return n.value;
        if (n.type === 'string') return n.text;
        return this.idealConstant(n);
    }
    return this.errorf(`can't handle ${argString(n)} for arg of type ${PARAM_DISPLAY[t]}`);
  }

  /** Checks that a computed value fits a parameter type (Go's validateType). */
  private validateType(v: GoValue, t: ParamType): GoValue {
    if (t === 'reflect.Value') return v;
    if (v === undefined || v === null) {
      if (t === 'any' || t === '*template.sample' || t === 'template.queryResult') return null;
      return this.errorf(`invalid value; expected ${PARAM_DISPLAY[t]}`);
    }
    let ok: boolean;
    switch (t) {
      case 'any':
        return v;
      case 'string':
        ok = typeof v === 'string';
        break;
      case 'float64':
        ok = typeof v === 'number';
        break;
      case 'int':
        ok = typeof v === 'bigint';
        break;
      case 'bool':
        ok = typeof v === 'boolean';
        break;
      case '*template.sample':
        ok = v instanceof GoStruct && v.pointer && v.goType === 'template.sample';
        break;
      case 'template.queryResult':
        ok = v instanceof GoSlice && v.goType === 'template.queryResult';
        break;
    }
    if (!ok) this.errorf(`wrong type for value; expected ${PARAM_DISPLAY[t]}; got ${typeName(v)}`);
    return v;
  }
}

/** The declared type of a field or map element, when it is an interface; else null. */
function elementStaticType(receiver: GoValue, name: string): string | null {
  if (receiver instanceof GoStruct) return receiver.fieldTypes?.get(name) ?? null;
  if (receiver instanceof GoMap) return receiver.elemType === 'interface {}' ? 'interface {}' : null;
  if (isMap(receiver)) return 'interface {}';
  return null;
}

/** The niladic methods of time.Time and time.Duration that templates use. */
function methodOf(v: GoValue, name: string): (() => GoValue) | null {
  if (v instanceof GoTime) {
    switch (name) {
      case 'Unix':
        return () => BigInt(Math.floor(v.ms / 1000));
      case 'UnixMilli':
        return () => BigInt(Math.floor(v.ms));
      case 'UnixNano':
        return () => BigInt(Math.floor(v.ms)) * 1_000_000n + BigInt(v.nsRemainder);
      case 'UTC':
        return () => v;
      case 'String':
        return () => formatValue(v);
    }
  }
  if (v instanceof GoDuration) {
    switch (name) {
      case 'Seconds':
        return () => v.ns / 1e9;
      case 'Minutes':
        return () => v.ns / 6e10;
      case 'Hours':
        return () => v.ns / 3.6e12;
      case 'Milliseconds':
        return () => BigInt(Math.trunc(v.ns / 1e6));
      case 'String':
        return () => formatValue(v);
    }
  }
  return null;
}
