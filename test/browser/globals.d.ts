// Minimal typings for the mocha globals @web/test-runner provides (avoids @types/mocha).
type MochaDone = (err?: unknown) => void;
type MochaFn = (this: MochaContext, done: MochaDone) => void | Promise<unknown>;
interface MochaContext {
  timeout(ms: number): void;
  skip(): never;
}
interface MochaSuiteFn {
  (title: string, fn: (this: MochaContext) => void): void;
  only(title: string, fn: (this: MochaContext) => void): void;
  skip(title: string, fn: (this: MochaContext) => void): void;
}
interface MochaTestFn {
  (title: string, fn?: MochaFn): void;
  only(title: string, fn?: MochaFn): void;
  skip(title: string, fn?: MochaFn): void;
}
declare const describe: MochaSuiteFn;
declare const it: MochaTestFn;
declare function before(fn: MochaFn): void;
declare function after(fn: MochaFn): void;
declare function beforeEach(fn: MochaFn): void;
declare function afterEach(fn: MochaFn): void;
