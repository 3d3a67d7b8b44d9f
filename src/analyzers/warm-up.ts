/**
 * A small corpus of TypeScript, TSX and JavaScript covering the syntax the parser's scanner and the fact visitor take
 * paths through (every token and literal kind, types, classes, JSX, non-ASCII text), parsed once before a large parse
 * (see `warmUpParser` in ./typescript.ts). Its facts are thrown away: it only gives V8 type feedback for every branch.
 *
 * Why: V8's optimising compiler compiles a function with the feedback it has. The compiler's scanner (`scan`, a switch
 * over characters) met branches no file had taken yet and was thrown out and compiled again each time: measured on
 * gemini-cli, 13 compilations of `scan` (about 1.7 s of the compiler threads' time) and 8.7 s of optimising
 * compilation in all during the parse; after this corpus, 2 of `scan` and 6.9 s in all.
 */
export const WARM_UP_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['warm-up.ts', `#!/usr/bin/env node
// A line comment; /* not a block */ "not a string"
/** A JSDoc block with @param {string} x and a {@link Foo} tag. */
/* a block comment
 * spanning lines */
'use strict';
import fs, { readFile as rf, type Stats } from 'node:fs';
import * as path from "path";
import type { A, B } from './types.js';
import json from './data.json' with { type: 'json' };
export { x as y, z } from './other';
export * from './all';
export default class Foo<T extends object = {}> extends Bar<T> implements Baz, Qux {
  static #count = 0n;
  private readonly map = new Map<string, number[]>();
  protected name?: string | undefined;
  declare field!: number;
  @decorator() accessor value = 1_000_000;
  constructor(private readonly a: number, public b?: string, ...rest: unknown[]) { super(); }
  get size(): number { return this.map.size; }
  set size(v) { void v; }
  async *gen(this: Foo<T>): AsyncGenerator<number, void, unknown> { yield* [1, 2, 3]; yield await Promise.resolve(4); }
  [Symbol.iterator]() { return [][Symbol.iterator](); }
  static { Foo.#count++; }
}
interface Shape { kind: 'circle' | "square"; readonly radius?: number; [key: string]: unknown; (x: number): string; new (y: string): Shape; method?<U>(u: U): U; }
type Mapped<T> = { -readonly [K in keyof T]+?: T[K] extends infer U ? U : never } & Record<\`prefix-\${string}\`, number>;
type Fn = (a: number, b?: string) => void; type Ctor = abstract new () => object; type Tup = [a: string, b?: number, ...c: boolean[]];
enum Color { Red = 1, Green = Red << 1, Blue = 'blue'.length }
const enum Flags { None = 0, A = 1 << 0, B = 1 << 1, AB = A | B }
declare module 'mod' { export function f(): void; }
namespace NS.Inner { export const v = 1; }
declare global { interface Window { x: number } }
let a = 0x1F + 0o17 + 0b1010 + 1e10 + 1.5e-3 + .5 + 5. + 123n + 1_000 + 0xFF_FF;
let s = 'single \\' \\n \\t \\\\ \\u0041 \\u{1F600} \\x41 \\0' + "double \\" \\r" + \`template \${a} and \${\`nested \${s}\`} end\`;
let r = /ab+c[^\\]/]\\/(?:x|y){1,3}?\\d*$/gimsuy, r2 = /[\\p{L}]/u;
let t = String.raw\`raw\\n\${a}\`, tag = fn<string>\`x\${1}y\`;
a += 1; a -= 1; a *= 2; a /= 2; a %= 3; a **= 2; a <<= 1; a >>= 1; a >>>= 1; a &= 1; a |= 1; a ^= 1;
a &&= 1; a ||= 2; a ??= 3; a++; a--; ++a; --a; a = ~a; a = -a; a = +a; let b = !a;
let c = a === 1 ? (a !== 2 && a == 3) || a != 4 : a < 5 || a > 6 || a <= 7 || a >= 8 ? a & 1 | a ^ 2 : a << 1 >> 2 >>> 3;
let d = a ?? b?.c?.[0]?.(1) ?? null, e = void 0, f = typeof a === 'number', g = a instanceof Object, h = 'k' in {};
let obj = { a, b: 1, 'c': 2, "d": 3, 4: 5, [a]: 6, ...rest, get x() { return 1; }, set x(v) {}, async m() {}, *gen() {}, async *ag() {} };
let arr = [1, , 3, ...arr2], [p, q = 2, ...others] = arr, { u, v: w = 1, ...more } = obj;
const arrow = async <T,>(x: T, { y }: { y: number } = { y: 1 }): Promise<T> => x, one = x => x * 2, none = () => ({});
function declared(this: void, a?: number, b: string = 'x', ...c: number[]): asserts a is number {}
function* generator() { const x = yield 1; return x; }
async function asyncFn() { for await (const x of stream()) { await x; } }
label: for (let i = 0, j = 10; i < j; i++, j--) { if (i % 2) continue label; else break label; }
for (const k in obj) {} for (const v of arr) {} while (false) {} do { a--; } while (a > 0);
switch (a) { case 1: case 2: { break; } default: a = 0; }
try { throw new Error(\`boom \${a}\`); } catch (err: unknown) { console.error(err); } finally { a = 0; }
try { } catch { }
if (a) a = 1; else if (b) a = 2; else { a = 3; }
const x1 = <const>['a', 'b'], x2 = obj as unknown as Shape, x3 = obj satisfies object, x4 = obj!, x5 = obj!.a!;
const cls = class Named<T> { m(): this { return this; } }, nw = new Foo<string>(1, 'b'), nw2 = new Date;
debugger; with_(); new.target; import.meta.url; const dyn = await import('./dyn.js'); super_();
export const exported = 1, other = { nested: { deep: [1, 2, { x: [] }] } };
export function overloaded(x: string): string; export function overloaded(x: number): number; export function overloaded(x: any) { return x; }
export abstract class Abs { abstract m(): void; protected constructor() {} }
let big = 12345678901234567890n * 2n ** 64n, unicodeIdent\\u0061 = 1, ƒ = 2, $_ = 3, _$ = 4;
// Non-ASCII in comments and strings: café … “quotes” — 日本語 😀
const uni = 'naïve … ✓', tpl = \`emoji 😀 \${uni} …\`, ident日本 = 1;
let longStr = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const re3 = a / 2 / 3, div = (a) / 2, reg = [/x/g, /y/];
let opt = obj?.a ?? obj?.['b'] ?? obj.c?.();
`],
  ['warm-up.tsx', `import React, { useState } from 'react';
export const App = ({ title, items }: { title: string; items: string[] }) => {
  const [n, setN] = useState<number>(0);
  return (
    <div className="app" data-x={\`x\${n}\`} onClick={() => setN(n + 1)} {...{ id: 'a' }}>
      <h1>{title} &amp; more &#123; text</h1>
      <>{items.map((i) => <Item key={i} name={i} disabled />)}</>
      <Foo.Bar<string> value="v" />
      {n > 1 ? <span>many</span> : null}
      {/* a comment */}
    </div>
  );
};
function Item(props: { name: string; disabled?: boolean }) { return <li>{props.name}</li>; }
`],
  ['warm-up.js', `// A plain JavaScript module (CommonJS and ES syntax, no types).
'use strict';
const fs = require('fs'), { join } = require("path");
module.exports = { run, Cls };
exports.other = async function named(a, b = 2, ...rest) { return a ?? b; };
class Cls extends Base { #priv = 1; static s = 2; constructor(x) { super(x); this.x = x; } get y() { return this.#priv; } static m() { return #priv in this; } }
function run(cmd, opts = {}) {
  const out = [], re = /\\s+/g, n = 0x10 + 1e3 + 10n;
  for (let i = 0; i < cmd.length; i += 1) { if (cmd[i] === ' ') continue; out.push(cmd.charCodeAt(i) >> 1); }
  const obj = { ...opts, [cmd]: true, method() { return this; }, get g() { return 1; } };
  return new Promise((resolve, reject) => setTimeout(() => (obj ? resolve(out.join('')) : reject(new Error(\`x \${n}\`))), 0));
}
label: while (true) { try { break label; } catch { continue; } finally { void 0; } }
export default run;
`],
];
