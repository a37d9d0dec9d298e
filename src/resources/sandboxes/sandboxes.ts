// `porter.sandboxes`: create, get (by name or id), list (paged and iterable), counts, terminate.
import { DEFAULTS } from "../../core/defaults.js";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import { deadlineFor, invoke, validateBody, type Input } from "../../internal/operation.js";
import { check, matches, validate, type Schema } from "../../internal/validate.js";
import { makePage, PagePromise, type Page } from "../../core/pagination.js";
import type { RawClient } from "../raw.js";
import { Sandbox } from "./sandbox.js";
import { attach, type ResponseInfo, type WithResponse } from "../../core/response-info.js";
import type { Transport } from "../../internal/transport.js";
import type { RequestOptions } from "../../core/options.js";
import type { Outcome } from "../../core/response-info.js";
import type {
  CountResponse,
  CreateResponse,
  FilterValues,
  SandboxSpec,
  StatusResponse,
  StatusResponsePhase,
} from "../../core/types.js";
import { SandboxCreation, type Created } from "./create-sandbox.js";
import { ValidationError, type ValidationIssue } from "../../core/errors.js";

/**
 * What `porter.sandboxes.create` takes: a `SandboxSpec` with an `image`, or one that starts from a
 * snapshot (`snapshot_id`), where `image` may be left out.
 *
 * @example
 * ```ts
 * const fromImage: CreateSandboxSpec = { image: "python:3.12-slim", command: ["sleep", "infinity"] };
 * const fromSnapshot: CreateSandboxSpec = { snapshot_id: "snap_01jc9a2b4c6d8e0f2g4h6j8k0m", ttl_seconds: 600 };
 * ```
 */
export type CreateSandboxSpec =
  SandboxSpec | (Omit<SandboxSpec, "image" | "snapshot_id"> & { image?: string | undefined; snapshot_id: string });

/** The wire body: `image` sent empty when a snapshot is the image, as Porter's API expects. */
function toSandboxSpec(spec: CreateSandboxSpec): SandboxSpec {
  const body = { ...spec, image: spec.image ?? "" } as SandboxSpec;
  const issues: ValidationIssue[] = [];
  const fromSnapshot = typeof spec.snapshot_id === "string";
  const imageMissing = !spec.image && !fromSnapshot;
  if (imageMissing) {
    const rule = spec.image === undefined ? "is required" : "must not be empty";
    issues.push({ path: "image", message: `${rule} unless snapshot_id is set` });
  }
  // Porter's models: the snapshot is the image, so `image` is left unset when `snapshot_id` is given.
  const imageBesideSnapshot = fromSnapshot && Boolean(spec.image);
  if (imageBesideSnapshot) issues.push({ path: "image", message: "must be left out when snapshot_id is set" });
  // Every fault at once: the image's, and those of the rest of the spec.
  try {
    validateBody("createSandbox", body, "sandbox spec");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (issues.length > 0) throw new ValidationError("sandbox spec", issues);
  return body;
}

/**
 * Filters and paging of `porter.sandboxes.list` (and, without `page` and `include_filter_values`, of
 * `counts`). Fields keep the API's query parameter names; `tags` is sent as one `tag=key=value` each.
 *
 * @example
 * ```ts
 * const params: ListSandboxesParams = {
 *   tags: { workflow: "nightly-eval" },
 *   phase: ["succeeded", "failed"],
 *   start_time: "2025-01-01T00:00:00Z",
 * };
 * for await (const sandbox of porter.sandboxes.list(params)) console.log(sandbox.name, sandbox.exit_code);
 * ```
 */
export interface ListSandboxesParams {
  /** Only sandboxes carrying every one of these tags. */
  tags?: Record<string, string>;
  /** 1-based page to start from. Default 1. */
  page?: number;
  /** Only these phases. Default: live sandboxes only (queued, creating, running). */
  phase?: StatusResponsePhase | StatusResponsePhase[];
  /** Only sandboxes of this image. */
  image?: string;
  /** Only sandboxes whose name starts with this. */
  search?: string;
  /** Only sandboxes created at or after this time (RFC 3339). */
  start_time?: string;
  /** Only sandboxes created before this time (RFC 3339). */
  end_time?: string;
  /** Also return the values each filter can take (`page.filter_values`). */
  include_filter_values?: boolean;
}

/**
 * What a page of sandboxes carries besides its items and pagination.
 *
 * @example
 * ```ts
 * const page = await porter.sandboxes.list({ include_filter_values: true });
 * const { filter_values, lastResponse }: SandboxPageExtra = page;
 * console.log(filter_values?.phases, lastResponse?.requestId);
 * ```
 */
export type SandboxPageExtra = {
  /** The values each filter can take, cluster-wide (phases, images, `key=value` tags); only when `include_filter_values` was set. */
  readonly filter_values: FilterValues | undefined;
  /** The HTTP exchange that fetched this page. */
  readonly lastResponse?: ResponseInfo;
};
/**
 * One page of `porter.sandboxes.list`: an array of `Sandbox` handles with `pagination`,
 * `hasNextPage()`, `getNextPage()` and `filter_values`.
 *
 * @example
 * ```ts
 * let page: SandboxPage = await porter.sandboxes.list({ tags: { workflow: "nightly-eval" } });
 * for (;;) {
 *   for (const sandbox of page) console.log(sandbox.name, sandbox.phase);
 *   if (!page.hasNextPage()) break;
 *   page = await page.getNextPage();
 * }
 * ```
 */
export type SandboxPage = Page<Sandbox, SandboxPageExtra>;

/**
 * `porter.sandboxes`: create, get, list, count and terminate sandboxes. Methods that take a sandbox
 * accept its name or its id.
 *
 * @example
 * ```ts
 * const sandbox = await porter.sandboxes.create({ image: "python:3.12-slim", name: "nightly-eval", command: ["sleep", "infinity"] });
 * const same = await porter.sandboxes.get("nightly-eval");
 * await porter.sandboxes.terminate(same.id);
 * ```
 */
export class Sandboxes {
  readonly #transport: Transport;
  readonly #raw: () => RawClient;
  // A sandbox name is never reused, even after termination, so a name once resolved stays resolved.
  readonly #ids = new Map<string, string>();

  /** @internal */
  constructor(transport: Transport, raw: () => RawClient) {
    this.#transport = transport;
    this.#raw = raw;
  }

  /** The typed low-level client, for endpoints the ergonomic surface does not wrap. */
  get raw(): RawClient {
    return this.#raw();
  }

  /**
   * Creates a sandbox and returns its handle, with `phase` known. A retry never makes a second sandbox,
   * whether or not the server honours `Idempotency-Key` (Porter's does not deduplicate): the create carries
   * its key in a tag (`porter-sandbox-idempotency-key`, see `ClientOptions.idempotencyTag`), and after an
   * attempt whose answer was lost the SDK finds the sandbox by that tag before sending the create again.
   * The key (yours, or generated) is also sent as `Idempotency-Key` for servers that honour it.
   *
   * To start from a snapshot, pass `snapshot_id` and leave `image` out (it is sent empty, as Porter's API
   * expects).
   *
   * @example
   * ```ts
   * const sandbox = await porter.sandboxes.create(
   *   { image: "python:3.12-slim", name: "job-1", command: ["sleep", "infinity"], ttl_seconds: 600 },
   *   { idempotencyKey: "job-1-attempt" },
   * );
   * console.log(sandbox.phase, sandbox.lastResponse?.idempotencyKey);
   * const copy = await porter.sandboxes.create({ snapshot_id: "snap_01jc9a2b4c6d8e0f2g4h6j8k0m" });
   * ```
   */
  async create(spec: CreateSandboxSpec, options?: RequestOptions): Promise<Sandbox> {
    const began = Date.now();
    const remaining = deadlineFor(options);
    const body = toSandboxSpec(spec);
    let created: Created;
    try {
      created = await new SandboxCreation(this.#transport, body, remaining).run();
    } catch (error) {
      // With the tag, the lookup by it has already said whether the sandbox holding the name is this call's.
      const mine = this.#transport.config.idempotencyTag
        ? undefined
        : await this.#ownEarlierAttempt(error, body, began, remaining());
      if (mine) return mine;
      throw error;
    }
    if (created.kind === "found") {
      this.#ids.set(created.outcome.data.name, created.outcome.data.id);
      return new Sandbox(this.#transport, created.outcome.data, created.outcome);
    }
    return this.#handleFor(created.outcome, body, remaining());
  }

  /** The handle of a sandbox the API just created, with its status record. */
  async #handleFor(created: Outcome<CreateResponse>, spec: SandboxSpec, options?: RequestOptions): Promise<Sandbox> {
    const { id, name, volume_mounts, status } = created.data;
    if (name) this.#ids.set(name, id);
    // Porter's API answers a create with the id and name only; a server that embeds the status
    // record (an extension) saves the GET. Either way the handle reports the create's exchange.
    let record = status;
    if (!record) {
      try {
        record = (await invoke(this.#transport, "getSandbox", { path: { id } }, options)).data;
      } catch {
        // The sandbox exists: an error here would hide its id and invite a second create. Report what
        // the create told, as not yet started; `refresh()` or `waitUntilRunning()` fetch the rest.
        record = { id, name, image: spec.image, tags: spec.tags, volume_mounts, phase: "queued" } as StatusResponse;
      }
    }
    return new Sandbox(this.#transport, record, created);
  }

  // Without the idempotency tag, a name conflict after an attempt whose outcome is unknown can be this
  // call's own doing; even then only a sandbox that matches everything its status shows of the spec,
  // created after the call began, is taken for it.
  async #ownEarlierAttempt(
    error: unknown,
    spec: SandboxSpec,
    began: number,
    options?: RequestOptions,
  ): Promise<Sandbox | undefined> {
    // A name conflict (not a reused idempotency key) after an attempt whose outcome is unknown.
    const nameConflictAfterUnknown =
      error instanceof ConflictError && error.code === "conflict" && error.uncertainAttempts >= 1;
    if (!nameConflictAfterUnknown || !spec.name) return undefined;
    const existing = await this.get(spec.name, options).catch(() => undefined);
    if (!existing) return undefined;
    const certain =
      existing.image === spec.image &&
      sameEntries(existing.tags, spec.tags) &&
      sameEntries(existing.volume_mounts, spec.volume_mounts) &&
      Date.parse(existing.created_at) >= began;
    return certain ? existing : undefined;
  }

  /**
   * Returns the handle of the sandbox with this name (or id).
   *
   * @example
   * ```ts
   * const sandbox = await porter.sandboxes.get("my-sandbox");
   * ```
   */
  async get(nameOrId: string, options?: RequestOptions): Promise<Sandbox> {
    const remaining = deadlineFor(options);
    const id = await this.#resolve(nameOrId, remaining());
    const outcome = await invoke(this.#transport, "getSandbox", { path: { id } }, remaining());
    return new Sandbox(this.#transport, outcome.data, outcome);
  }

  /** @internal Resolves a name to an id through the lookup endpoint; an id is passed through. */
  resolveId(nameOrId: string, options?: RequestOptions): Promise<string> {
    return this.#resolve(nameOrId, options);
  }

  /** Resolves a name to an id through the lookup endpoint; an id is passed through. */
  async #resolve(nameOrId: string, options?: RequestOptions): Promise<string> {
    // Checked as what the caller passed, a name or an id, rather than as whichever endpoint's parameter
    // (the lookup's `name`, the status endpoint's `id`) it goes on to fill.
    validate("sandbox name or id", { $ref: "NameOrId" }, nameOrId);
    const known = this.#ids.get(nameOrId);
    if (known) return known;
    if (!matches("Name", nameOrId)) return nameOrId;
    try {
      const { data } = await invoke(this.#transport, "lookupSandbox", { query: { name: nameOrId } }, options, {
        label: "sandbox name",
      });
      this.#ids.set(nameOrId, data.id);
      return data.id;
    } catch (error) {
      // Not a name: it may still be an id that happens to look like one.
      if (error instanceof NotFoundError) return nameOrId;
      throw error;
    }
  }

  /**
   * Lists sandboxes. `await` gives one page (an array of handles with `pagination`, `hasNextPage()`
   * and `getNextPage()`); `for await` walks every sandbox of every page, one request per page.
   *
   * @example
   * ```ts
   * const page = await porter.sandboxes.list({ tags: { workflow: "demo" }, page: 1 });
   * for await (const sandbox of porter.sandboxes.list({ phase: ["succeeded", "failed"] })) console.log(sandbox.name);
   * ```
   */
  list(params: ListSandboxesParams = {}, options?: RequestOptions): PagePromise<Sandbox, SandboxPageExtra> {
    const fetchPage = async (page: number): Promise<SandboxPage> => {
      const query = toListQuery(params, page);
      const outcome = await invoke(this.#transport, "listSandboxes", { query }, options, { label: "list filters" });
      const { sandboxes, pagination, filter_values } = outcome.data;
      const items = sandboxes.map((record) => new Sandbox(this.#transport, record));
      return attach(makePage(items, pagination, { filter_values }, fetchPage), outcome);
    };
    return new PagePromise(() => fetchPage(params.page ?? 1));
  }

  /**
   * Counts of created sandboxes over time, with the same filters as `list`.
   *
   * @example
   * ```ts
   * const { points, granularity_ms } = await porter.sandboxes.counts({ tags: { workflow: "demo" } });
   * ```
   */
  async counts(
    params: Omit<ListSandboxesParams, "page" | "include_filter_values"> = {},
    options?: RequestOptions,
  ): Promise<WithResponse<CountResponse>> {
    // `toQuery` leaves `page` undefined, which is not sent; a stray `include_filter_values` is dropped.
    const { include_filter_values: _i, ...query } = toQuery(params, "count filters");
    const outcome = await invoke(this.#transport, "countSandboxes", { query }, options, { label: "count filters" });
    return attach(outcome.data, outcome);
  }

  /**
   * Terminates a sandbox by name or id and returns its handle once the API has accepted it, with the
   * record as the API reports it then (see `Sandbox.terminate`): the sandbox may still be stopping, and
   * `waitUntilEnded()` waits for the end. Idempotent by state: terminating a sandbox that already ended
   * succeeds.
   *
   * @example
   * ```ts
   * const stopping = await porter.sandboxes.terminate("my-sandbox");
   * const ended = await stopping.waitUntilEnded();
   * console.log(ended.phase); // "terminated"
   * ```
   */
  async terminate(nameOrId: string, options?: RequestOptions): Promise<Sandbox> {
    const remaining = deadlineFor(options);
    const id = await this.#resolve(nameOrId, remaining());
    const handle = new Sandbox(this.#transport, { id, name: nameOrId } as StatusResponse);
    return handle.terminate(remaining());
  }
}

type ListQuery = NonNullable<Input<"listSandboxes">["query"]>;

// The tag filter as the caller writes it, a map. The wire sends each tag as `tag=key=value`, which the API
// splits at the first "=": a key holding one would filter on another tag, so it is refused here, where the
// message can name the key the caller wrote rather than the wire's `tag[0]`.
const TAG_FILTER: Schema = {
  type: "object",
  additionalProperties: { type: "string" },
  propertyNames: {
    type: "string",
    minLength: 1,
    pattern: "^[^=]*$",
    "x-rule": 'free of "="',
  },
};

/** The query of a list or count call, its filters checked in the caller's words first (`tags["a=b"]`,
 * `phase`); the rest is checked as the query the spec declares, whose names are the caller's. */
function toQuery(params: ListSandboxesParams, what: string, page?: number): ListQuery {
  const { tags, phase, page: _page, ...rest } = params;
  const issues: ValidationIssue[] = [];
  if (tags !== undefined) check(TAG_FILTER, tags, "tags", issues);
  // One phase is sent as a list of one, but it is the caller's `phase` that is wrong, not `phase[0]`.
  const onePhase = phase !== undefined && !Array.isArray(phase);
  if (onePhase) check({ $ref: "StatusResponsePhase" }, phase, "phase", issues);
  if (issues.length) throw new ValidationError(what, issues);
  const query: Record<string, unknown> = { ...rest, page };
  if (tags) query.tag = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
  if (phase !== undefined) query.phase = Array.isArray(phase) ? phase : [phase];
  return query as ListQuery;
}

function toListQuery(params: ListSandboxesParams, page: number): ListQuery {
  const query = toQuery(params, "list filters", page);
  // No phase asked for: the live ones (see DEFAULTS.listPhases for why the SDK asks for them itself).
  return params.phase === undefined ? { ...query, phase: [...DEFAULTS.listPhases] } : query;
}

type Entries = object | null | undefined;

/** Whether two maps (tags, mounts) hold the same entries, in whatever order; an absent map is empty. */
function sameEntries(a: Entries, b: Entries): boolean {
  return sortedEntries(a) === sortedEntries(b);
}

/** A map's entries sorted by key, as JSON: the same text for the same entries in any order. */
function sortedEntries(map: Entries): string {
  const entries = Object.entries(map ?? {});
  entries.sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(entries);
}
