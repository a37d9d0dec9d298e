// The HTTP side: every request gets a request id, then in order authentication, routing, injected
// faults, validation against the spec, idempotency (creates), the operation's handler, the answer.
// Upload links of redirected writes (uploads.ts) are outside the spec and authorized by their token.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { delay, dropAfterCommit, injectedError } from "./faults.js";
import { acceptUpload } from "./file-writes.js";
import type { Handler, Input } from "./handler.js";
import { handlers } from "./handlers.js";
import { ApiError, badRequest, errorReply, newRequestId, sendReply, type Reply } from "./http.js";
import { fingerprint, IdempotencyKeys } from "./idempotency.js";
import type { OperationId } from "./options.js";
import { route } from "./router.js";
import type { Store } from "./store.js";
import { UPLOAD_PREFIX } from "./uploads.js";
import { check, headerInput, queryInput, ruleOf } from "./validation.js";

const MAX_JSON_BYTES = 1024 * 1024;

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw badRequest(`invalid request: the JSON body is larger than ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw badRequest("invalid request: the body is not valid JSON");
  }
}

async function inputOf(
  op: OperationId,
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
): Promise<Input> {
  const input: Input = {
    path: check(op, "path", params) as Record<string, string>,
    query: check(op, "query", queryInput(op, url.searchParams)) as Record<string, unknown>,
    header: check(op, "header", headerInput(op, req.headers)) as Record<string, string>,
    body: undefined,
  };
  if (ruleOf(op, "body")) input.body = check(op, "body", await readJson(req));
  return input;
}

export function requestListener(store: Store): (req: IncomingMessage, res: ServerResponse) => void {
  const keys = new IdempotencyKeys();
  const { token, faults } = store.options;

  async function answer(req: IncomingMessage): Promise<Reply | "drop"> {
    const url = new URL(req.url ?? "/", "http://local");
    if (url.pathname.startsWith(UPLOAD_PREFIX)) return acceptUpload(store, req, url.pathname);
    if (token !== undefined && !authorized(req, token)) {
      throw new ApiError(401, "missing or invalid API token", "unauthenticated", { "www-authenticate": "Bearer" });
    }
    const { op, params } = route(req.method ?? "GET", url.pathname);
    await delay(faults, op);
    const injected = injectedError(faults, op);
    if (injected) throw injected;
    const input = await inputOf(op, req, url, params);
    const handler: Handler = handlers[op];
    const produce = async () => handler({ store, input, req });
    const key = input.header["Idempotency-Key"];
    const reply = key === undefined ? await produce() : await keys.run(key, fingerprint(op, input.body), produce);
    if (reply.status < 300 && dropAfterCommit(faults, op)) {
      // Never sent: a file being read is closed here.
      reply.stream?.destroy();
      return "drop";
    }
    return reply;
  }

  return (req, res) => {
    const requestId = newRequestId();
    answer(req).then(
      (reply) => {
        if (reply === "drop") return void res.socket?.destroy();
        sendReply(res, { ...reply, headers: { "x-request-id": requestId, ...reply.headers } });
      },
      (error: unknown) => {
        // A request the client abandoned is no server failure: there is no one to answer.
        if (req.destroyed && !(error instanceof ApiError)) return;
        if (!(error instanceof ApiError) && !store.options.quiet)
          console.error("porter-sandbox-local: internal error:", error);
        const failure =
          error instanceof ApiError ? error : new ApiError(500, "internal server error", "internal_error");
        if (res.headersSent) return void res.destroy();
        sendReply(res, { ...errorReply(failure), headers: { "x-request-id": requestId, ...failure.headers } });
      },
    );
  };
}
