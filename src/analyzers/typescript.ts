/**
 * TypeScript / JavaScript analyzer: source text in, FileFacts out.
 * Hot path: one raw `createSourceFile` and one `forEachChild` walk per file; no ts-morph
 * wrapper nodes and no type checker. The walk is depth-limited so pathological nesting cannot
 * overflow the stack.
 */
import type { ts } from 'ts-morph';
import type {
  CallFact,
  ClassFact,
  ConstFact,
  FileFacts,
  FunctionFact,
  LoopFact,
  ObjectFact,
  TypeFact,
} from './facts.js';
import { CONST_CASE, DELAY_WRAPPERS, EXAMPLE_PAYLOAD, FLAG_TEST, LITERAL_CASE, MAX_ADDS, MAX_BINDS, MAX_BRANCHES, MAX_COMPARES, MAX_FORKS, MAX_GUARDS, MAX_ITEM_SETS, MAX_LOOKUPS, MAX_PICKS, PICK_NAME } from './facts.js';
import { loadCompiler } from './compiler.js';
import { emptyFacts } from './test-text.js';
import { WARM_UP_SOURCES } from './warm-up.js';

// Test files are read by text (./test-text.ts); both are still exported from here.
export { analyzeTestText, emptyFacts } from './test-text.js';

/** The compiler, loaded once (the project-file reader, ./tsconfig.ts, shares it). */
export const compiler = loadCompiler();

/** Plain bindings: the namespace `ts` exposes getters, too slow to call for every node. */
const {
  JSDocParsingMode,
  ScriptKind,
  ScriptTarget,
  canHaveDecorators,
  canHaveModifiers,
  createSourceFile,
  getDecorators,
  forEachChild,
  getModifiers,
  isArrayLiteralExpression,
  isArrowFunction,
  isAsExpression,
  isAwaitExpression,
  isBinaryExpression,
  isCallExpression,
  isClassLike,
  isComputedPropertyName,
  isConstructorDeclaration,
  isDoStatement,
  isCaseClause,
  isElementAccessExpression,
  isEnumDeclaration,
  isExportAssignment,
  isForInStatement,
  isForOfStatement,
  isForStatement,
  isFunctionDeclaration,
  isFunctionExpression,
  isGetAccessor,
  isIdentifier,
  isInterfaceDeclaration,
  isIntersectionTypeNode,
  isLiteralTypeNode,
  isMethodDeclaration,
  isNamedExports,
  isNamedImports,
  isNamespaceImport,
  isNewExpression,
  isNoSubstitutionTemplateLiteral,
  isNonNullExpression,
  isNumericLiteral,
  isObjectBindingPattern,
  isParenthesizedExpression,
  isParenthesizedTypeNode,
  isPrefixUnaryExpression,
  isPrivateIdentifier,
  isPropertyAccessExpression,
  isPropertyAssignment,
  isPropertyDeclaration,
  isPropertySignature,
  isQualifiedName,
  isReturnStatement,
  isSatisfiesExpression,
  isSetAccessor,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isStringLiteral,
  isTypeAssertionExpression,
  isTypeLiteralNode,
  isTypeReferenceNode,
  isUnionTypeNode,
  isVariableDeclaration,
  isWhileStatement,
} = compiler;

/** Syntax kinds as plain constants: the enum object is a dictionary, slow to read per node. */
const SK_ArrowFunction = compiler.SyntaxKind.ArrowFunction;
const SK_AbstractKeyword = compiler.SyntaxKind.AbstractKeyword;
const SK_AsyncKeyword = compiler.SyntaxKind.AsyncKeyword;
const SK_BarBarToken = compiler.SyntaxKind.BarBarToken;
const SK_BinaryExpression = compiler.SyntaxKind.BinaryExpression;
const SK_LessThanToken = compiler.SyntaxKind.LessThanToken;
const SK_GreaterThanToken = compiler.SyntaxKind.GreaterThanToken;
const SK_LessThanEqualsToken = compiler.SyntaxKind.LessThanEqualsToken;
const SK_GreaterThanEqualsToken = compiler.SyntaxKind.GreaterThanEqualsToken;
const SK_ThisKeyword = compiler.SyntaxKind.ThisKeyword;
const SK_BreakStatement = compiler.SyntaxKind.BreakStatement;
const SK_CallExpression = compiler.SyntaxKind.CallExpression;
const SK_CatchClause = compiler.SyntaxKind.CatchClause;
const SK_ClassDeclaration = compiler.SyntaxKind.ClassDeclaration;
const SK_ClassExpression = compiler.SyntaxKind.ClassExpression;
const SK_ConditionalExpression = compiler.SyntaxKind.ConditionalExpression;
const SK_Block = compiler.SyntaxKind.Block;
const SK_ContinueStatement = compiler.SyntaxKind.ContinueStatement;
const SK_Identifier = compiler.SyntaxKind.Identifier;
const SK_Constructor = compiler.SyntaxKind.Constructor;
const SK_DoStatement = compiler.SyntaxKind.DoStatement;
const SK_ElementAccessExpression = compiler.SyntaxKind.ElementAccessExpression;
const SK_EnumDeclaration = compiler.SyntaxKind.EnumDeclaration;
const SK_EqualsToken = compiler.SyntaxKind.EqualsToken;
const SK_ExportDeclaration = compiler.SyntaxKind.ExportDeclaration;
const SK_ExportKeyword = compiler.SyntaxKind.ExportKeyword;
const SK_ExtendsKeyword = compiler.SyntaxKind.ExtendsKeyword;
const SK_FalseKeyword = compiler.SyntaxKind.FalseKeyword;
const SK_ForInStatement = compiler.SyntaxKind.ForInStatement;
const SK_ForOfStatement = compiler.SyntaxKind.ForOfStatement;
const SK_ForStatement = compiler.SyntaxKind.ForStatement;
const SK_FunctionDeclaration = compiler.SyntaxKind.FunctionDeclaration;
const SK_FunctionExpression = compiler.SyntaxKind.FunctionExpression;
const SK_GetAccessor = compiler.SyntaxKind.GetAccessor;
const SK_IfStatement = compiler.SyntaxKind.IfStatement;
const SK_ImportDeclaration = compiler.SyntaxKind.ImportDeclaration;
const SK_ImportKeyword = compiler.SyntaxKind.ImportKeyword;
const SK_InterfaceDeclaration = compiler.SyntaxKind.InterfaceDeclaration;
const SK_MethodDeclaration = compiler.SyntaxKind.MethodDeclaration;
const SK_NewExpression = compiler.SyntaxKind.NewExpression;
const SK_NoSubstitutionTemplateLiteral = compiler.SyntaxKind.NoSubstitutionTemplateLiteral;
const SK_NullKeyword = compiler.SyntaxKind.NullKeyword;
const SK_NumericLiteral = compiler.SyntaxKind.NumericLiteral;
const SK_ObjectLiteralExpression = compiler.SyntaxKind.ObjectLiteralExpression;
const SK_Parameter = compiler.SyntaxKind.Parameter;
const SK_PropertyAccessExpression = compiler.SyntaxKind.PropertyAccessExpression;
const SK_PropertyDeclaration = compiler.SyntaxKind.PropertyDeclaration;
const SK_QuestionQuestionEqualsToken = compiler.SyntaxKind.QuestionQuestionEqualsToken;
const SK_QuestionQuestionToken = compiler.SyntaxKind.QuestionQuestionToken;
const SK_PlusEqualsToken = compiler.SyntaxKind.PlusEqualsToken;
const SK_MinusEqualsToken = compiler.SyntaxKind.MinusEqualsToken;
const SK_ReturnStatement = compiler.SyntaxKind.ReturnStatement;
const SK_SetAccessor = compiler.SyntaxKind.SetAccessor;
const SK_StringLiteral = compiler.SyntaxKind.StringLiteral;
const SK_SuperKeyword = compiler.SyntaxKind.SuperKeyword;
const SK_SwitchStatement = compiler.SyntaxKind.SwitchStatement;
const SK_TemplateExpression = compiler.SyntaxKind.TemplateExpression;
const SK_ThrowStatement = compiler.SyntaxKind.ThrowStatement;
const SK_TrueKeyword = compiler.SyntaxKind.TrueKeyword;
const SK_TypeAliasDeclaration = compiler.SyntaxKind.TypeAliasDeclaration;
const SK_VariableDeclaration = compiler.SyntaxKind.VariableDeclaration;
const SK_WhileStatement = compiler.SyntaxKind.WhileStatement;

/**
 * What `visitNode` does with a node of each kind. Its switch names these by value, each with its name in a comment:
 * a switch over literals is a jump table, over variables a chain of comparisons. Keep the two in step.
 */
const enum Visit {
  Children,
  Import,
  Export,
  Function,
  Class,
  Type,
  Enum,
  Loop,
  Break,
  Return,
  Throw,
  If,
  Conditional,
  Switch,
  Catch,
  Call,
  Object,
  Variable,
  Parameter,
  Property,
  Binary,
  PropertyAccess,
  ElementAccess,
  String,
  Template,
}

/** `Visit` by syntax kind (a switch over the kinds' values, which are variables, made some fifty comparisons for most nodes). */
const VISIT = (() => {
  const kinds = compiler.SyntaxKind as unknown as Record<string, number | string>;
  const table = new Uint8Array(Math.max(...Object.values(kinds).filter((v): v is number => typeof v === 'number')) + 1);
  const set = (visit: Visit, ...ks: ts.SyntaxKind[]) => {
    for (const k of ks) table[k] = visit;
  };
  set(Visit.Import, SK_ImportDeclaration);
  set(Visit.Export, SK_ExportDeclaration);
  set(Visit.Function, SK_FunctionDeclaration, SK_MethodDeclaration, SK_Constructor, SK_GetAccessor, SK_SetAccessor, SK_ArrowFunction, SK_FunctionExpression);
  set(Visit.Class, SK_ClassDeclaration, SK_ClassExpression);
  set(Visit.Type, SK_InterfaceDeclaration, SK_TypeAliasDeclaration);
  set(Visit.Enum, SK_EnumDeclaration);
  set(Visit.Loop, SK_WhileStatement, SK_DoStatement, SK_ForStatement, SK_ForOfStatement, SK_ForInStatement);
  set(Visit.Break, SK_BreakStatement);
  set(Visit.Return, SK_ReturnStatement);
  set(Visit.Throw, SK_ThrowStatement);
  set(Visit.If, SK_IfStatement);
  set(Visit.Conditional, SK_ConditionalExpression);
  set(Visit.Switch, SK_SwitchStatement);
  set(Visit.Catch, SK_CatchClause);
  set(Visit.Call, SK_CallExpression, SK_NewExpression);
  set(Visit.Object, SK_ObjectLiteralExpression);
  set(Visit.Variable, SK_VariableDeclaration);
  set(Visit.Parameter, SK_Parameter);
  set(Visit.Property, SK_PropertyDeclaration);
  set(Visit.Binary, SK_BinaryExpression);
  set(Visit.PropertyAccess, SK_PropertyAccessExpression);
  set(Visit.ElementAccess, SK_ElementAccessExpression);
  set(Visit.String, SK_StringLiteral, SK_NoSubstitutionTemplateLiteral);
  set(Visit.Template, SK_TemplateExpression);
  return table;
})();

const MAX_DEPTH = 1200;
const MAX_STRING = 80;
const MAX_READ_LINES = 20;
const DISCRIMINANTS = new Set(['type', 'kind', 'event', 'eventType', 'tag', '_tag', 'status', 'reason', 'stopReason', 'name']);

const PARSE_OPTIONS: ts.CreateSourceFileOptions = { languageVersion: ScriptTarget.Latest, jsDocParsingMode: JSDocParsingMode.ParseNone };

function scriptKind(path: string): ts.ScriptKind {
  if (path.endsWith('.tsx')) return ScriptKind.TSX;
  if (path.endsWith('.jsx')) return ScriptKind.JSX;
  if (/\.[cm]?js$/.test(path)) return ScriptKind.JS;
  return ScriptKind.TS;
}

/** Whitespace that collapsing would change: a run of two, or any whitespace but a plain space. */
const COLLAPSIBLE = /\s\s|[^\S ]/;

/** Collapse whitespace and cut to `max` characters without copying huge substrings. */
function clip(text: string, start: number, end: number, max: number): string {
  const raw = text.slice(start, Math.min(end, start + max * 3));
  const flat = (COLLAPSIBLE.test(raw) ? raw.replace(/\s+/g, ' ') : raw).trim();
  return flat.length > max || end - start > max * 3 ? flat.slice(0, max) + '…' : flat;
}

function propName(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (isIdentifier(name) || isPrivateIdentifier(name)) return name.text;
  if (isStringLiteral(name) || isNumericLiteral(name) || isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (isComputedPropertyName(name)) {
    const e = name.expression;
    if (isStringLiteral(e) || isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (isPropertyAccessExpression(e)) return e.name.text;
    if (isIdentifier(e)) return e.text;
  }
  return undefined;
}

/**
 * The class a declared type names: `MessagesService`, `Repository<Message>` → `Repository`, `ns.Store` → `Store`,
 * `Store | undefined` → `Store`. Undefined for a primitive, a literal, a function or object type, or a union of classes.
 */
function classNameOf(t: ts.TypeNode | undefined): string | undefined {
  if (!t) return undefined;
  if (isUnionTypeNode(t)) {
    const named = t.types.map(classNameOf).filter((n): n is string => !!n);
    return named.length === 1 ? named[0] : undefined;
  }
  if (!isTypeReferenceNode(t)) return undefined;
  const n = isQualifiedName(t.typeName) ? t.typeName.right.text : t.typeName.text;
  return /^[A-Z]/.test(n) && !BUILTIN_TYPES.has(n) ? n : undefined;
}
/** Types of the language and its runtime, which no harness class defines. */
const BUILTIN_TYPES = new Set(['Promise', 'Array', 'Map', 'Set', 'Record', 'Partial', 'Readonly', 'Required', 'Pick', 'Omit', 'Date', 'Error', 'Function', 'Object', 'String', 'Number', 'Boolean', 'RegExp', 'AbortSignal', 'AbortController', 'ReadonlyArray', 'WeakMap', 'Buffer']);

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  const mods = canHaveModifiers(node) ? getModifiers(node) : undefined;
  return !!mods?.some((m) => m.kind === kind);
}

/** The text of a literal-ish expression, or undefined when the expression is not a literal. */
function literalText(e: ts.Expression, sf: ts.SourceFile): string | undefined {
  while (isParenthesizedExpression(e) || isAsExpression(e) || isSatisfiesExpression(e)) e = e.expression;
  switch (e.kind) {
    case SK_NumericLiteral:
    case SK_TrueKeyword:
    case SK_FalseKeyword:
    case SK_NullKeyword:
      return e.getText(sf);
    case SK_StringLiteral:
    case SK_NoSubstitutionTemplateLiteral:
      return `'${(e as ts.StringLiteral).text.slice(0, MAX_STRING)}'`;
  }
  if (isPrefixUnaryExpression(e) && isNumericLiteral(e.operand)) return e.getText(sf);
  if (isIdentifier(e) && (e.text === 'undefined' || e.text === 'Infinity')) return e.text;
  if (isPropertyAccessExpression(e) && isIdentifier(e.expression) && e.expression.text === 'Number') {
    return e.getText(sf);
  }
  if (isBinaryExpression(e) && isNumericLiteral(e.left) && isNumericLiteral(e.right)) return e.getText(sf);
  return undefined;
}

/** Strip wrappers that do not change where a value goes. */
function outer(node: ts.Node): ts.Node {
  let p = node.parent;
  while (
    p &&
    (isParenthesizedExpression(p) ||
      isAsExpression(p) ||
      isSatisfiesExpression(p) ||
      isNonNullExpression(p) ||
      isTypeAssertionExpression(p) ||
      isAwaitExpression(p))
  ) {
    node = p;
    p = p.parent;
  }
  return node;
}

/** A wrapper that returns a delayed or rate-limited version of the function it is given: `debounce`, `_.throttle`, `useDebouncedCallback`. */
const DELAY_WRAPPER = new RegExp(String.raw`^(?:[\w$]+\.)*(?:${DELAY_WRAPPERS})$`, 'i');

/**
 * The call a function literal is wrapped by when it is the first argument of a delay wrapper
 * (`debounce(async () => this.save(), 500)`): calling what the wrapper returns runs the literal, so the
 * literal takes the name the wrapper's result is bound to. Undefined otherwise.
 */
function wrappedBy(node: ts.Node, sf: ts.SourceFile): ts.Node | undefined {
  const o = outer(node);
  const p = o.parent;
  if (!p || !isCallExpression(p) || p.arguments[0] !== o) return undefined;
  return DELAY_WRAPPER.test(p.expression.getText(sf)) ? p : undefined;
}

function bindingNameOf(node: ts.Node): string | undefined {
  const o = outer(node);
  const p = o.parent;
  if (!p) return undefined;
  if (isVariableDeclaration(p)) return propName(p.name);
  if (isPropertyAssignment(p)) return propName(p.name);
  if (isPropertyDeclaration(p)) return propName(p.name);
  if (isBinaryExpression(p) && p.operatorToken.kind === SK_EqualsToken) {
    const l = p.left;
    if (isIdentifier(l)) return l.text;
    if (isPropertyAccessExpression(l)) return l.name.text;
  }
  if (isExportAssignment(p)) return 'default';
  return undefined;
}

export function analyzeTypeScript(path: string, text: string, role: FileFacts['role']): FileFacts {
  const lang = /\.[cm]?jsx?$/.test(path) ? 'js' : 'ts';
  // No rule reads JSDoc, and forEachChild never visits it: skip parsing it.
  const sf = createSourceFile(path, text, PARSE_OPTIONS, false, scriptKind(path));
  const lineStarts = sf.getLineStarts();
  const facts = emptyFacts(path, role, lang, lineStarts.length);
  facts.parseErrors = (sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0;

  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const startLine = (n: ts.Node) => lineOf(n.getStart(sf));
  const endLine = (n: ts.Node) => lineOf(n.end);
  const textOf = (n: ts.Node, max = 100) => clip(text, n.getStart(sf), n.end, max);

  const fnStack: string[] = ['<top>'];
  const classStack: string[] = [];
  let loopStack: LoopFact[] = [];
  let ifStack: string[] = [];
  let condDepth = 0;
  let catchDepth = 0;

  const addConst = (name: string | undefined, value: string | undefined, line: number, kind: ConstFact['kind']) => {
    if (name && value !== undefined) facts.consts.push({ name, value, line, fn: fnStack[fnStack.length - 1], kind });
  };

  const functionName = (node: ts.Node): string | undefined => {
    const cls = classStack[classStack.length - 1];
    if (isFunctionDeclaration(node)) return node.name?.text ?? 'default';
    if (isConstructorDeclaration(node)) return `${cls ?? '<class>'}.constructor`;
    if (isMethodDeclaration(node) || isGetAccessor(node) || isSetAccessor(node)) {
      const n = propName(node.name) ?? '<computed>';
      return isClassLike(node.parent) ? `${cls ?? '<class>'}.${n}` : n;
    }
    if (isArrowFunction(node) || isFunctionExpression(node)) {
      // `autosave = debounce(async () => { await this.save() }, 1000)`: named as the wrapper's result.
      const wrapper = wrappedBy(node, sf);
      const at = wrapper ?? node;
      const bound = bindingNameOf(at);
      if (bound) {
        const p = outer(at).parent;
        if (p && isPropertyDeclaration(p) && cls) return `${cls}.${bound}`;
        // `this.autosave = debounce(() => this.save(), 500)` in a method: the class's field.
        if (wrapper && p && cls && isBinaryExpression(p) && isPropertyAccessExpression(p.left) && p.left.expression.kind === SK_ThisKeyword) return `${cls}.${bound}`;
        return bound;
      }
      if (isFunctionExpression(node) && node.name) return node.name.text;
      return undefined; // a callback: it belongs to the enclosing function
    }
    return undefined;
  };

  const objectContext = (node: ts.Node): string => {
    const o = outer(node);
    const p = o.parent;
    if (!p) return 'other';
    if (isArrayLiteralExpression(p)) return `array:${bindingNameOf(p) ?? ''}`;
    if (isCallExpression(p) && p.arguments.includes(o as ts.Expression)) return `arg:${textOf(p.expression, 60)}`;
    if (isNewExpression(p)) return `arg:new ${textOf(p.expression, 60)}`;
    if (isVariableDeclaration(p)) return `var:${propName(p.name) ?? ''}`;
    if (isPropertyAssignment(p)) return `prop:${propName(p.name) ?? ''}`;
    if (isPropertyDeclaration(p)) return `prop:${propName(p.name) ?? ''}`;
    if (isReturnStatement(p) || isArrowFunction(p)) return 'return';
    if (isExportAssignment(p)) return 'export';
    if (isBinaryExpression(p)) return `var:${bindingNameOf(o) ?? ''}`;
    return 'other';
  };

  /** `{ run_shell: tool({ … }) }`: the property whose value is the call this object is an argument of. */
  const callPropertyKey = (node: ts.Node): string | undefined => {
    const call = outer(node).parent;
    if (!call || !isCallExpression(call)) return undefined;
    const p = outer(call).parent;
    return p && isPropertyAssignment(p) ? propName(p.name) : undefined;
  };
  /** `return tool({ … })`, `(deps) => tool({ … })`: the call this object is an argument of is what its function returns. */
  const callReturned = (node: ts.Node): boolean => {
    const call = outer(node).parent;
    if (!call || !isCallExpression(call)) return false;
    const o = outer(call);
    const p = o.parent;
    return !!p && (isReturnStatement(p) || (isArrowFunction(p) && p.body === o));
  };

  const visitFunction = (node: ts.SignatureDeclaration & { body?: ts.Node }) => {
    // An overload signature (`function infer(args: A): R;` above the implementation) or a constructor's:
    // no body, no calls, not a definition of its own. Counted, it made one function look defined several
    // times (callers of a name defined in more than three places are not followed) and put the function's
    // first line on a signature. Abstract methods (a base class's contract) are kept.
    if (!node.body && (isFunctionDeclaration(node) || isConstructorDeclaration(node) || (isMethodDeclaration(node) && !hasModifier(node, SK_AbstractKeyword)))) return;
    const name = functionName(node);
    if (name) {
      const f: FunctionFact = {
        name,
        line: startLine(node),
        end: endLine(node),
        params: node.parameters.map((p) => propName(p.name) ?? '…'),
        exported:
          hasModifier(node, SK_ExportKeyword) ||
          (!!node.parent && isVariableDeclaration(outer(node).parent!) && hasModifier(outer(node).parent!.parent?.parent ?? node, SK_ExportKeyword)),
        async: hasModifier(node, SK_AsyncKeyword),
        generator: !!(node as ts.FunctionLikeDeclarationBase).asteriskToken,
      };
      const decos = canHaveDecorators(node) ? getDecorators(node) : undefined;
      if (decos?.length) f.decorators = decos.map((d) => textOf(d.expression, 60));
      let types: string[] | undefined;
      node.parameters.forEach((p, i) => {
        const t = classNameOf(p.type);
        if (t) (types ??= node.parameters.map(() => ''))[i] = t;
      });
      if (types) f.paramTypes = types;
      const returns = classNameOf((node as ts.FunctionLikeDeclarationBase).type);
      if (returns) f.returns = returns;
      facts.functions.push(f);
      fnStack.push(name);
    }
    const savedLoops = loopStack;
    const savedIfs = ifStack;
    const savedCond = condDepth;
    const savedCatch = catchDepth;
    loopStack = [];
    ifStack = [];
    condDepth = 0;
    catchDepth = 0;
    forEachChild(node, visit);
    loopStack = savedLoops;
    ifStack = savedIfs;
    condDepth = savedCond;
    catchDepth = savedCatch;
    if (name) fnStack.pop();
  };

  const visitLoop = (node: ts.IterationStatement) => {
    let kind: LoopFact['kind'] = 'for';
    let cond = '';
    let infinite = false;
    if (isWhileStatement(node)) {
      kind = 'while';
      cond = textOf(node.expression, 120);
      infinite = node.expression.kind === SK_TrueKeyword;
    } else if (isDoStatement(node)) {
      kind = 'do';
      cond = textOf(node.expression, 120);
      infinite = node.expression.kind === SK_TrueKeyword;
    } else if (isForStatement(node)) {
      cond = node.condition ? textOf(node.condition, 120) : '';
      infinite = !node.condition;
    } else if (isForOfStatement(node)) {
      kind = 'for-of';
      cond = textOf(node.expression, 120);
    } else if (isForInStatement(node)) {
      kind = 'for-in';
      cond = textOf(node.expression, 120);
    }
    const loop: LoopFact = { kind, line: startLine(node), end: endLine(node), fn: fnStack[fnStack.length - 1], cond, infinite, exits: [] };
    if (isForOfStatement(node) || isForInStatement(node)) {
      // `for (const hook of this.hooks)`: the loop's one variable.
      const init = node.initializer as ts.Node;
      const decl = (init as ts.VariableDeclarationList).declarations?.length === 1 ? (init as ts.VariableDeclarationList).declarations[0].name : init;
      if (isIdentifier(decl)) loop.var = decl.text;
    }
    facts.loops.push(loop);
    loopStack.push(loop);
    const savedIfs = ifStack;
    ifStack = [];
    forEachChild(node, (c) => {
      const isCond =
        (isWhileStatement(node) || isDoStatement(node)) ? c === node.expression : isForStatement(node) && c === node.condition;
      if (isCond) condDepth++;
      visit(c);
      if (isCond) condDepth--;
    });
    ifStack = savedIfs;
    loopStack.pop();
  };

  /** `test ? a : b` with both sides names or member reads (see PickFact). */
  const recordPick = (n: ts.ConditionalExpression) => {
    if ((facts.picks ??= []).length >= MAX_PICKS) return;
    const then = textOf(n.whenTrue, 61);
    const other = textOf(n.whenFalse, 61);
    if (!PICK_NAME.test(then) || !PICK_NAME.test(other) || then === other) return;
    facts.picks.push({ cond: textOf(n.condition, 120), then, else: other, line: startLine(n), fn: fnStack[fnStack.length - 1] });
  };
  const recordExit = (kind: 'break' | 'return' | 'throw', node: ts.Node) => {
    const loop = loopStack[loopStack.length - 1];
    if (!loop) return;
    const exit = { kind, line: startLine(node), cond: ifStack[ifStack.length - 1] };
    if (kind === 'break') loop.exits.push(exit);
    else for (const l of loopStack) l.exits.push(exit);
  };

  const visitType = (node: ts.TypeAliasDeclaration | ts.InterfaceDeclaration | ts.EnumDeclaration) => {
    const exported = hasModifier(node, SK_ExportKeyword);
    const line = startLine(node);
    const memberTags = (members: ts.NodeArray<ts.TypeElement>, out: TypeFact) => {
      for (const m of members) {
        const key = propName(m.name as ts.PropertyName);
        if (!key) continue;
        out.members.push(key);
        if (isPropertySignature(m) && m.type && DISCRIMINANTS.has(key)) {
          const lits = literalTypes(m.type);
          if (lits.length) {
            out.discriminant ??= key;
            out.tags.push(...lits);
          }
        }
      }
    };
    if (isEnumDeclaration(node)) {
      const t: TypeFact = { name: node.name.text, kind: 'enum', line, members: [], tags: [], exported };
      for (const m of node.members) {
        const n = propName(m.name);
        if (n) t.members.push(n);
        if (m.initializer && isStringLiteral(m.initializer)) t.tags.push(m.initializer.text);
      }
      facts.types.push(t);
      return;
    }
    if (isInterfaceDeclaration(node)) {
      const t: TypeFact = { name: node.name.text, kind: 'interface', line, members: [], tags: [], exported };
      memberTags(node.members, t);
      facts.types.push(t);
      return;
    }
    let type = node.type;
    while (isParenthesizedTypeNode(type)) type = type.type;
    // `{ common } & ({ type: 'a' } | { type: 'b' })`: the shared fields intersected with one union of variants is that union.
    if (isIntersectionTypeNode(type)) {
      const unions = type.types.map((p) => {
        let q = p;
        while (isParenthesizedTypeNode(q)) q = q.type;
        return q;
      }).filter(isUnionTypeNode);
      if (unions.length === 1) type = unions[0];
    }
    if (isUnionTypeNode(type)) {
      const t: TypeFact = { name: node.name.text, kind: 'union', line, members: [], tags: [], exported };
      for (const m of type.types) {
        if (isLiteralTypeNode(m) && isStringLiteral(m.literal)) {
          t.tags.push(m.literal.text);
          t.members.push(`'${m.literal.text}'`);
        } else if (isTypeLiteralNode(m)) {
          const inner: TypeFact = { name: '', kind: 'alias', line, members: [], tags: [], exported };
          memberTags(m.members, inner);
          t.members.push(`{${inner.members.slice(0, 6).join(',')}}`);
          if (inner.discriminant) t.discriminant ??= inner.discriminant;
          t.tags.push(...inner.tags);
        } else if (isIntersectionTypeNode(m)) {
          // `{ type: 'x' } & Base`
          for (const part of m.types) {
            if (isTypeLiteralNode(part)) {
              const inner: TypeFact = { name: '', kind: 'alias', line, members: [], tags: [], exported };
              memberTags(part.members, inner);
              if (inner.discriminant) t.discriminant ??= inner.discriminant;
              t.tags.push(...inner.tags);
            }
          }
          t.members.push(textOf(m, 60));
        } else {
          t.members.push(textOf(m, 60));
        }
      }
      facts.types.push(t);
      return;
    }
    const t: TypeFact = { name: node.name.text, kind: 'alias', line, members: [], tags: [], exported };
    if (isTypeLiteralNode(type)) memberTags(type.members, t);
    else t.members.push(textOf(type, 60));
    facts.types.push(t);
  };

  const visitClass = (node: ts.ClassLikeDeclaration) => {
    const name = node.name?.text ?? bindingNameOf(node) ?? '<class>';
    const c: ClassFact = { name, line: startLine(node), end: endLine(node), implements: [], members: [], exported: hasModifier(node, SK_ExportKeyword) };
    for (const h of node.heritageClauses ?? []) {
      for (const t of h.types) {
        const txt = textOf(t.expression, 60);
        if (h.token === SK_ExtendsKeyword) c.extends = txt;
        else c.implements.push(txt);
      }
    }
    const values: Record<string, string> = Object.create(null);
    for (const m of node.members) {
      if (isConstructorDeclaration(m)) {
        c.members.push('constructor');
        for (const p of m.parameters) {
          if (canHaveModifiers(p) && getModifiers(p)?.length) {
            const n = propName(p.name);
            if (n) c.members.push(n);
            const t = n && classNameOf(p.type);
            if (t) (c.fieldTypes ??= Object.create(null) as Record<string, string>)[n] = t;
          }
        }
        continue;
      }
      const n = propName(m.name as ts.PropertyName);
      if (!n) continue;
      c.members.push(n);
      const t = isPropertyDeclaration(m) ? classNameOf(m.type) : undefined;
      if (t) (c.fieldTypes ??= Object.create(null) as Record<string, string>)[n] = t;
      if (isPropertyDeclaration(m) && m.initializer) values[n] = textOf(m.initializer);
      else if (isMethodDeclaration(m) || isGetAccessor(m)) values[n] = '<fn>';
    }
    facts.classes.push(c);
    if (c.members.length) {
      facts.objects.push({ keys: c.members, values, line: c.line, end: c.end, fn: fnStack[fnStack.length - 1], ctx: `class:${name}` });
    }
    classStack.push(name);
    forEachChild(node, visit);
    classStack.pop();
  };

  // Parent pointers are set here, on the way down, instead of by an extra pass of the parser.
  let depth = 0;
  let parent: ts.Node = sf;
  const visit = (node: ts.Node): void => {
    // A third of all nodes; no fact comes from an identifier alone, and nothing reads its parent.
    if (node.kind === SK_Identifier) return;
    if (depth >= MAX_DEPTH) return;
    depth++;
    (node as { parent: ts.Node }).parent = parent;
    const saved = parent;
    parent = node;
    visitNode(node);
    parent = saved;
    depth--;
  };

  const visitImport = (node: ts.Node): void => {
    const n = node as ts.ImportDeclaration;
    if (!isStringLiteral(n.moduleSpecifier)) return;
    const names: string[] = [];
    let as: Record<string, string> | undefined;
    const clause = n.importClause;
    if (clause?.name) {
      names.push('default');
      (as ??= {})[clause.name.text] = 'default';
    }
    const nb = clause?.namedBindings;
    if (nb && isNamespaceImport(nb)) {
      names.push('*');
      (as ??= {})[nb.name.text] = '*';
    }
    if (nb && isNamedImports(nb)) {
      for (const e of nb.elements) {
        names.push((e.propertyName ?? e.name).text);
        if (e.propertyName) (as ??= {})[e.name.text] = e.propertyName.text;
      }
    }
    facts.imports.push(as ? { from: n.moduleSpecifier.text, names, line: startLine(n), as } : { from: n.moduleSpecifier.text, names, line: startLine(n) });
  };

  const visitExport = (node: ts.Node): void => {
    const n = node as ts.ExportDeclaration;
    if (n.moduleSpecifier && isStringLiteral(n.moduleSpecifier)) {
      const names: string[] = [];
      if (n.exportClause && isNamedExports(n.exportClause)) for (const e of n.exportClause.elements) names.push((e.propertyName ?? e.name).text);
      facts.imports.push({ from: n.moduleSpecifier.text, names: names.length ? names : ['*'], line: startLine(n) });
    }
  };

  const visitIf = (node: ts.Node): void => {
    const n = node as ts.IfStatement;
    condDepth++;
    visit(n.expression);
    condDepth--;
    const condText = textOf(n.expression, 120);
    if (facts.branches!.length < MAX_BRANCHES && (LITERAL_CASE.test(condText) || CONST_CASE.test(condText))) {
      facts.branches!.push({ cond: condText, line: startLine(n), end: endLine(n), fn: fnStack[fnStack.length - 1] });
    } else if (FLAG_TEST.test(condText) && (facts.flagIfs ??= []).length < MAX_BRANCHES) {
      facts.flagIfs.push({ cond: condText, line: startLine(n), end: endLine(n.thenStatement), fn: fnStack[fnStack.length - 1] });
    }
    if (facts.guards.length < MAX_GUARDS) {
      const t = n.thenStatement;
      const stmts = t.kind === SK_Block ? (t as ts.Block).statements : [t];
      for (const st of stmts) {
        const k = st.kind;
        const exit = k === SK_ReturnStatement ? 'return' : k === SK_ThrowStatement ? 'throw' : k === SK_ContinueStatement ? 'continue' : k === SK_BreakStatement ? 'break' : undefined;
        if (exit) {
          const value = exit === 'return' ? (st as ts.ReturnStatement).expression : undefined;
          const returns = value && isIdentifier(value) ? value.text : undefined;
          facts.guards.push({ cond: condText, exit, line: startLine(n), fn: fnStack[fnStack.length - 1], ...(returns ? { returns } : {}) });
          break;
        }
      }
    }
    ifStack.push(condText);
    visit(n.thenStatement);
    ifStack.pop();
    if (n.elseStatement) {
      if ((facts.forks ??= []).length < MAX_FORKS) facts.forks.push({ cond: condText, line: startLine(n), elseLine: startLine(n.elseStatement), end: endLine(n), fn: fnStack[fnStack.length - 1] });
      ifStack.push(`!(${textOf(n.expression, 116)})`);
      visit(n.elseStatement);
      ifStack.pop();
    }
  };

  const visitSwitch = (node: ts.Node): void => {
    const n = node as ts.SwitchStatement;
    // Cases on string literals or on a named constant's member (`case ChatType.ASK:`, as CONST_CASE for an if).
    if (facts.branches!.length < MAX_BRANCHES && n.caseBlock.clauses.some((c) => isCaseClause(c) && (isStringLiteral(c.expression) || (isPropertyAccessExpression(c.expression) && isIdentifier(c.expression.expression) && /^[A-Z][A-Z0-9_]+$/.test(c.expression.name.text))))) {
      facts.branches!.push({ cond: `switch (${textOf(n.expression, 100)})`, line: startLine(n), end: endLine(n), fn: fnStack[fnStack.length - 1] });
    }
    condDepth++;
    visit(n.expression);
    condDepth--;
    visit(n.caseBlock);
  };

  const visitCall = (node: ts.Node): void => {
    const n = node as ts.CallExpression | ts.NewExpression;
    const isNew = isNewExpression(n);
    let e: ts.Expression = n.expression;
    while (isParenthesizedExpression(e) || isNonNullExpression(e)) e = e.expression;
    const callee = (isNew ? 'new ' : '') + textOf(e, 80);
    let name = '';
    if (isIdentifier(e)) name = e.text;
    else if (isPropertyAccessExpression(e)) name = e.name.text;
    else if (isElementAccessExpression(e) && isStringLiteral(e.argumentExpression)) name = e.argumentExpression.text;
    else if (e.kind === SK_ImportKeyword) name = 'import';
    else if (e.kind === SK_SuperKeyword) name = 'super';
    const args = (n.arguments ?? []).map((a) => textOf(a));
    const call: CallFact = {
      callee,
      name,
      line: startLine(n),
      fn: fnStack[fnStack.length - 1],
      args,
      cond: condDepth > 0,
      optional: !isNew && !!(n as ts.CallExpression).questionDotToken,
      inCatch: catchDepth > 0,
    };
    facts.calls.push(call);
    if (!isNew && (name === 'require' || name === 'import') && n.arguments?.[0] && isStringLiteral(n.arguments[0])) {
      facts.imports.push({ from: n.arguments[0].text, names: ['*'], line: call.line });
    }
  };

  const visitObjectLiteral = (node: ts.Node): void => {
    const n = node as ts.ObjectLiteralExpression;
    const keys: string[] = [];
    const values: Record<string, string> = Object.create(null);
    for (const p of n.properties) {
      if (isSpreadAssignment(p)) {
        keys.push(`...${textOf(p.expression, 40)}`);
        continue;
      }
      const k = propName(p.name);
      if (!k) continue;
      keys.push(k);
      if (isPropertyAssignment(p)) {
        values[k] = textOf(p.initializer);
        addConst(k, literalText(p.initializer, sf), startLine(p), 'prop');
      } else if (isShorthandPropertyAssignment(p)) values[k] = k;
      else values[k] = '<fn>';
    }
    if (!keys.length) return;
    const ctx = objectContext(n);
    if (EXAMPLE_PAYLOAD.test(ctx)) return;
    const fact: ObjectFact = { keys, values, line: startLine(n), end: endLine(n), fn: fnStack[fnStack.length - 1], ctx };
    const key = callPropertyKey(n);
    if (key) fact.key = key;
    if (ctx.startsWith('arg:') && callReturned(n)) fact.returned = true;
    facts.objects.push(fact);
  };

  const visitVariable = (node: ts.Node): void => {
    const n = node as ts.VariableDeclaration;
    if (n.initializer) {
      const lit = literalText(n.initializer, sf);
      addConst(propName(n.name), lit, startLine(n), 'var');
      if (lit === undefined && isIdentifier(n.name) && facts.binds!.length < MAX_BINDS) {
        facts.binds!.push({ name: n.name.text, value: textOf(n.initializer, 120), line: startLine(n), fn: fnStack[fnStack.length - 1] });
      }
    }
    if (isObjectBindingPattern(n.name)) {
      for (const el of n.name.elements) {
        const k = propName(el.propertyName ?? el.name);
        if (k) addRead(k, startLine(el));
        if (el.initializer) addConst(propName(el.name), literalText(el.initializer, sf), startLine(el), 'param');
      }
    }
  };

  const visitParameter = (node: ts.Node): void => {
    const n = node as ts.ParameterDeclaration;
    if (n.initializer) addConst(propName(n.name), literalText(n.initializer, sf), startLine(n), 'param');
    if (isObjectBindingPattern(n.name)) {
      for (const el of n.name.elements) {
        if (el.initializer) addConst(propName(el.name), literalText(el.initializer, sf), startLine(el), 'param');
      }
    }
  };

  const visitBinary = (node: ts.Node): void => {
    const n = node as ts.BinaryExpression;
    const op = n.operatorToken.kind;
    if (op === SK_EqualsToken || op === SK_QuestionQuestionToken || op === SK_BarBarToken || op === SK_QuestionQuestionEqualsToken) {
      let l = n.left;
      while (isParenthesizedExpression(l) || isNonNullExpression(l)) l = l.expression;
      const name = isIdentifier(l) ? l.text : isPropertyAccessExpression(l) ? l.name.text : undefined;
      const kind = op === SK_EqualsToken ? 'assign' : 'param';
      const lit = literalText(n.right, sf);
      addConst(name, lit, startLine(n), kind);
      // `limit = window - reserve`, `this.usable = cfg.max - out`: a computed value a comparison may use.
      const plain = isIdentifier(l) || (isPropertyAccessExpression(l) && l.expression.kind === SK_ThisKeyword);
      if (op === SK_EqualsToken && lit === undefined && name && plain && facts.binds!.length < MAX_BINDS) {
        facts.binds!.push({ name, value: textOf(n.right, 120), line: startLine(n), fn: fnStack[fnStack.length - 1] });
      }
      // `toolDict[name] = tool`, `schemas.search = z.object(…)`: an entry set on a local record.
      if (op === SK_EqualsToken && (isElementAccessExpression(l) || isPropertyAccessExpression(l)) && isIdentifier(l.expression) && (facts.entrySets ??= []).length < MAX_ITEM_SETS) {
        const key = isElementAccessExpression(l) ? l.argumentExpression : l.name;
        facts.entrySets.push({ target: l.expression.text, key: textOf(key, 80), value: textOf(n.right, 120), line: startLine(n), fn: fnStack[fnStack.length - 1] });
      }
    } else if (op === SK_PlusEqualsToken) {
      // `total += usage.input_tokens`: a running total being added to.
      if (facts.adds && facts.adds.length < MAX_ADDS) facts.adds.push({ target: textOf(n.left, 80), value: textOf(n.right, 120), line: startLine(n), fn: fnStack[fnStack.length - 1] });
    } else if (op === SK_MinusEqualsToken) {
      // `this.totalTokens -= msg.tokens`: a total that also goes down.
      if (facts.subs && facts.subs.length < MAX_ADDS) facts.subs.push({ target: textOf(n.left, 80), value: textOf(n.right, 120), line: startLine(n), fn: fnStack[fnStack.length - 1] });
    } else if ((op === SK_LessThanToken || op === SK_GreaterThanToken || op === SK_LessThanEqualsToken || op === SK_GreaterThanEqualsToken) && facts.compares!.length < MAX_COMPARES) {
      facts.compares!.push({ text: textOf(n, 160), line: startLine(n), fn: fnStack[fnStack.length - 1] });
    }
  };

  const visitPropertyAccess = (node: ts.Node): void => {
    const n = node as ts.PropertyAccessExpression;
    const p = n.parent;
    const called = p && (isCallExpression(p) || isNewExpression(p)) && p.expression === n;
    if (!called) addRead(n.name.text, startLine(n));
  };

  /** The left operand of a plain assignment (`map[key] = value`), not of `==` or `+=`. */
  const assignedTo = (n: ts.Node): boolean => {
    const p = n.parent;
    return !!p && isBinaryExpression(p) && p.left === n && p.operatorToken.kind === SK_EqualsToken;
  };

  const visitElementAccess = (node: ts.Node): void => {
    const n = node as ts.ElementAccessExpression;
    let arg = n.argumentExpression;
    // `toolMap[params.name as keyof typeof toolMap]`: the key is the name under the cast.
    while (isAsExpression(arg) || isParenthesizedExpression(arg) || isNonNullExpression(arg)) arg = arg.expression;
    if (isStringLiteral(arg)) addRead(arg.text, startLine(n));
    // `tools[descriptor.name] = tool(...)` stores an entry; only a read looks one up.
    else if ((arg.kind === SK_Identifier || arg.kind === SK_PropertyAccessExpression) && facts.lookups.length < MAX_LOOKUPS && !assignedTo(n)) {
      facts.lookups.push({ target: textOf(n.expression, 60), key: textOf(arg, 60), line: startLine(n), fn: fnStack[fnStack.length - 1] });
    }
  };

  const visitString = (node: ts.Node): void => {
    const v = (node as ts.StringLiteral).text;
    if (v.length > 0 && v.length <= MAX_STRING) facts.strings.push({ value: v, line: startLine(node) });
  };

  const visitTemplate = (node: ts.Node): void => {
    const n = node as ts.TemplateExpression;
    const v = n.head.text + n.templateSpans.map((s) => '${}' + s.literal.text).join('');
    if (v.length <= MAX_STRING) facts.strings.push({ value: v, line: startLine(node) });
  };

  // The work of each kind is a function of its own: as one large function, V8's optimizing compiler
  // took about a second to compile it, several times a run (measured on gemini-cli), so most nodes
  // were visited by unoptimized code.
  const visitNode = (node: ts.Node): void => {
    switch (VISIT[node.kind]) {
      case 1 /* Visit.Import */:
        visitImport(node);
        return;
      case 2 /* Visit.Export */:
        visitExport(node);
        return;
      case 3 /* Visit.Function */:
        visitFunction(node as ts.FunctionLikeDeclaration);
        return;
      case 4 /* Visit.Class */:
        visitClass(node as ts.ClassLikeDeclaration);
        return;
      case 5 /* Visit.Type */:
        visitType(node as ts.InterfaceDeclaration);
        return;
      case 6 /* Visit.Enum */:
        visitType(node as ts.EnumDeclaration);
        break;
      case 7 /* Visit.Loop */:
        visitLoop(node as ts.IterationStatement);
        return;
      case 8 /* Visit.Break */:
        if (!(node as ts.BreakStatement).label) recordExit('break', node);
        break;
      case 9 /* Visit.Return */:
        recordExit('return', node);
        break;
      case 10 /* Visit.Throw */:
        recordExit('throw', node);
        break;
      case 11 /* Visit.If */:
        visitIf(node);
        return;
      case 12 /* Visit.Conditional */: {
        const n = node as ts.ConditionalExpression;
        recordPick(n);
        condDepth++;
        visit(n.condition);
        condDepth--;
        visit(n.whenTrue);
        visit(n.whenFalse);
        return;
      }
      case 13 /* Visit.Switch */:
        visitSwitch(node);
        return;
      case 14 /* Visit.Catch */: {
        catchDepth++;
        forEachChild(node, visit);
        catchDepth--;
        return;
      }
      case 15 /* Visit.Call */:
        visitCall(node);
        break;
      case 16 /* Visit.Object */:
        visitObjectLiteral(node);
        break;
      case 17 /* Visit.Variable */:
        visitVariable(node);
        break;
      case 18 /* Visit.Parameter */:
        visitParameter(node);
        break;
      case 19 /* Visit.Property */: {
        const n = node as ts.PropertyDeclaration;
        if (n.initializer) addConst(propName(n.name), literalText(n.initializer, sf), startLine(n), 'field');
        break;
      }
      case 20 /* Visit.Binary */:
        visitBinary(node);
        break;
      case 21 /* Visit.PropertyAccess */:
        visitPropertyAccess(node);
        break;
      case 22 /* Visit.ElementAccess */:
        visitElementAccess(node);
        break;
      case 23 /* Visit.String */:
        visitString(node);
        break;
      case 24 /* Visit.Template */:
        visitTemplate(node);
        break;
    }
    forEachChild(node, visit);
  };

  function addRead(name: string, line: number) {
    const lines = (facts.reads[name] ??= []);
    if (lines.length < MAX_READ_LINES) lines.push(line);
  }

  function literalTypes(t: ts.TypeNode): string[] {
    if (isLiteralTypeNode(t) && isStringLiteral(t.literal)) return [t.literal.text];
    if (isUnionTypeNode(t)) return t.types.flatMap(literalTypes);
    if (isTypeReferenceNode(t) && isQualifiedName(t.typeName)) return [t.typeName.right.text];
    return [];
  }

  forEachChild(sf, visit);
  return facts;
}

/**
 * Parses and visits a small corpus covering the syntax (./warm-up.ts), throwing its facts away, so that V8 has type
 * feedback for every branch of the compiler's scanner and parser and of the visitor before it optimises them: called
 * before a large parse (a cold run), it spares the repeated optimising compilations of functions that met a branch no
 * file had taken yet (see ./warm-up.ts). It changes no file's facts: the compiler and this analyzer keep no state between files.
 */
export function warmUpParser(): void {
  for (const [path, text] of WARM_UP_SOURCES) analyzeTypeScript(path, text, 'source');
}
