// Types of bench/bundle-size.mjs, for test/checks/budgets.test.ts.
export declare const BUNDLE_BUDGET_BYTES: number;
export declare const quickstart: (entry: string) => string;
export declare const openapiFetchAlone: string;
export interface BrowserBundle {
  bytes: number;
  gzipBytes: number;
  /** `<input> imports <builtin>` for every import of a Node builtin (`node:` or bare) in the bundle. */
  nodeImports: string[];
  /** Minified bytes each input contributes, largest first. */
  inputs: { file: string; bytes: number }[];
  text: string;
}
export declare function browserBundle(source: string, resolveDir: string): Promise<BrowserBundle>;
