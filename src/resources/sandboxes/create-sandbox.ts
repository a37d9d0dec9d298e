// One logical sandbox create that never makes a second sandbox by retrying, whether or not the server
// honours `Idempotency-Key`.
//
// Porter's API does not deduplicate creates: no version of Porter's SDKs sends a key. So the key alone
// cannot make a retry safe. Each create therefore carries a tag holding its key (`IDEMPOTENCY_TAG`).
// When an attempt fails in a way that leaves its outcome unknown (a timeout, a connection lost after
// sending, a 5xx, an unreadable 2xx), the SDK lists the sandboxes carrying that tag before it sends the
// create again: a sandbox found there is the one this call made, and the call resolves to it.
import { ConflictError, SandboxError, ValidationError } from "../../core/errors.js";
import { mayHaveCreated } from "../../internal/retry.js";
import { invoke, validateHeaders } from "../../internal/operation.js";
import { validate } from "../../internal/validate.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { Outcome } from "../../core/response-info.js";
import { newIdempotencyKey } from "../../internal/call.js";
import type { CreateResponse, SandboxSpec, StatusResponse, StatusResponsePhase } from "../../core/types.js";

/**
 * The tag key under which each sandbox create carries its idempotency key, so that the SDK can find the
 * sandbox an attempt made when its answer was lost (see `ClientOptions.idempotencyTag`).
 *
 * @example
 * ```ts
 * // Every sandbox that one call to create() may have made, whatever its phase:
 * const page = await porter.sandboxes.list({
 *   tags: { [IDEMPOTENCY_TAG]: error.idempotencyKey },
 *   phase: ["queued", "creating", "running", "succeeded", "failed", "terminated"],
 * });
 * ```
 */
export const IDEMPOTENCY_TAG = "porter-sandbox-idempotency-key";

const EVERY_PHASE: StatusResponsePhase[] = ["queued", "creating", "running", "succeeded", "failed", "terminated"];

/** How a create ended: the API answered it, or an earlier attempt's sandbox was found by its tag. */
export type Created =
  { kind: "answered"; outcome: Outcome<CreateResponse> } | { kind: "found"; outcome: Outcome<StatusResponse> };

export class SandboxCreation {
  readonly #transport: Transport;
  readonly #body: SandboxSpec;
  readonly #key: string;
  readonly #tagged: boolean;
  readonly #options: () => RequestOptions | undefined;
  readonly #maxRetries: number;
  #attempts = 0;
  #uncertainAttempts = 0;

  /** `options` gives the call's options afresh for each request (what is left of `totalTimeoutMs`). */
  constructor(transport: Transport, spec: SandboxSpec, options: () => RequestOptions | undefined) {
    this.#transport = transport;
    this.#options = options;
    const given = options();
    this.#key = given?.idempotencyKey ?? keyFromHeaders(given?.headers) ?? newIdempotencyKey();
    this.#maxRetries = given?.maxRetries ?? transport.config.maxRetries;
    this.#tagged = transport.config.idempotencyTag;
    // The caller has checked the spec as given (`porter.sandboxes.create` does), so that errors speak of
    // what they wrote; the tag is added after, and only the tags are checked again.
    // The key is checked as the header it is sent as before it goes into a tag, so that a bad key is
    // reported as the key, not as tags without room.
    validateHeaders("createSandbox", { "Idempotency-Key": this.#key }, "request options");
    this.#body = this.#tagged ? withKeyTag(spec, this.#key) : spec;
  }

  get idempotencyKey(): string {
    return this.#key;
  }

  /** Sends the create, and after an attempt of unknown outcome finds its sandbox or sends it again. */
  async run(): Promise<Created> {
    for (;;) {
      try {
        return { kind: "answered", outcome: await this.#send() };
      } catch (error) {
        const found = await this.#recover(error);
        if (found) return { kind: "found", outcome: found };
        await this.#transport.pauseBeforeRetry(this.#attempts, this.#options()?.signal);
      }
    }
  }

  /** One request, retried by the transport only where the server certainly did nothing (429, refused). */
  async #send(): Promise<Outcome<CreateResponse>> {
    const options = { ...this.#options(), idempotencyKey: this.#key, maxRetries: this.#maxRetries };
    const behaviour = { label: "sandbox spec", retry: "unstarted", attemptsBefore: this.#attempts } as const;
    try {
      return await invoke(this.#transport, "createSandbox", { body: this.#body }, options, behaviour);
    } catch (error) {
      if (error instanceof SandboxError) {
        // The transport numbers attempts from `attemptsBefore`; its count of uncertain ones is per request.
        this.#attempts = Math.max(error.attempts, this.#attempts + 1);
        this.#uncertainAttempts += error.uncertainAttempts;
        error.uncertainAttempts = this.#uncertainAttempts;
        error.idempotencyKey = this.#key;
      } else this.#attempts += 1;
      throw error;
    }
  }

  /**
   * After a failed attempt: the sandbox an earlier attempt made, when the tag finds one. Throws when the
   * call must end: the failure says the server did nothing (a 400, say), the retries are used up, or the
   * outcome cannot be known.
   */
  async #recover(error: unknown): Promise<Outcome<StatusResponse> | undefined> {
    // A name conflict after an attempt of unknown outcome may be that attempt's own sandbox.
    const conflictAfterUnknown = error instanceof ConflictError && this.#uncertainAttempts > 0;
    if (!mayHaveCreated(error) && !conflictAfterUnknown) throw error;
    if (!this.#tagged) return this.#recoverUntagged(error, conflictAfterUnknown);
    const found = await this.#findTagged().catch((lookup: unknown) => {
      throw explainUnknown(error, this.#key, `looking for it failed: ${(lookup as Error).message}`, this.#findHint());
    });
    if (found) return found;
    if (conflictAfterUnknown) throw error;
    if (this.#attempts > this.#maxRetries)
      throw explainUnknown(error, this.#key, "no sandbox carrying its tag was found", this.#findHint());
    return undefined;
  }

  // Without the tag only a name keeps a second attempt from making a second sandbox: a named create is
  // sent again (a conflict then goes to the caller, who may recognise its own sandbox), an unnamed one not.
  #recoverUntagged(error: unknown, conflictAfterUnknown: boolean): undefined {
    const named = this.#body.name !== undefined;
    if (conflictAfterUnknown) throw error;
    if (named && this.#attempts <= this.#maxRetries) return undefined;
    const why = named
      ? "its retries are used up"
      : "an unnamed create is not sent again without its tag (idempotencyTag: false)";
    const find = named ? `porter.sandboxes.get("${this.#body.name}")` : "porter.sandboxes.list() (it carries no tag)";
    throw explainUnknown(error, this.#key, why, find);
  }

  #findHint(): string {
    return `porter.sandboxes.list({ tags: { "${IDEMPOTENCY_TAG}": "${this.#key}" }, phase: [...every phase] })`;
  }

  /** The sandbox carrying this call's key, the oldest if a late attempt made a second one. */
  async #findTagged(): Promise<Outcome<StatusResponse> | undefined> {
    const query = { tag: [`${IDEMPOTENCY_TAG}=${this.#key}`], phase: EVERY_PHASE };
    const listed = await invoke(
      this.#transport,
      "listSandboxes",
      { query },
      { ...this.#options(), idempotencyKey: undefined },
    );
    const oldestFirst = [...listed.data.sandboxes].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    const record = oldestFirst[0];
    if (!record) return undefined;
    return { ...listed, data: record, attempts: this.#attempts, idempotencyKey: this.#key };
  }
}

/** A key the caller set as a header of the call (any spelling of the name). */
function keyFromHeaders(headers: Record<string, string> | undefined): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === "idempotency-key");
  return entry?.[1];
}

/** The spec with the key's tag added; refuses, in words, tags that leave it no room. */
function withKeyTag(spec: SandboxSpec, key: string): SandboxSpec {
  const tagged = { ...spec, tags: { ...spec.tags, [IDEMPOTENCY_TAG]: key } };
  try {
    validate("sandbox spec", { $ref: "Tags" }, tagged.tags);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError("sandbox spec", [
      {
        path: "tags",
        message: `leave no room for the tag "${IDEMPOTENCY_TAG}" the SDK adds so that a create whose answer is lost can be found (at most 15 keys and about 4000 bytes of your own), or turn it off with the client option idempotencyTag: false`,
      },
    ]);
  }
  return tagged;
}

/** The error of a create whose outcome is unknown, saying so and how to find the sandbox. */
function explainUnknown(error: unknown, key: string, why: string, find: string): unknown {
  if (!(error instanceof SandboxError)) return error;
  error.message += `. The sandbox may have been created (idempotency key ${key}): ${why}. Find it later with ${find}.`;
  return error;
}
