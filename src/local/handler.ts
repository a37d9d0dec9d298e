// What every operation handler receives: the validated request and the server's state.
import type { IncomingMessage } from "node:http";
import type { Reply } from "./http.js";
import type { Store } from "./store.js";

export interface Input {
  path: Record<string, string>;
  query: Record<string, unknown>;
  header: Record<string, string>;
  /** The parsed JSON body of operations that take one. */
  body: unknown;
}

export interface Context {
  store: Store;
  input: Input;
  /** The request itself, for operations whose body is raw bytes (file writes). */
  req: IncomingMessage;
}

export type Handler = (ctx: Context) => Reply | Promise<Reply>;
