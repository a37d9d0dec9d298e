// Idempotency-Key on creates: within 24 hours, the same key with the same body gets the first
// response again (marked `Idempotent-Replayed: true`) without doing anything; the same key with
// another body is refused. Only successful answers are kept, so a failed create can be retried.
import { conflict, type Reply } from "./http.js";

export const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface Entry {
  fingerprint: string;
  at: number;
  reply: Promise<Reply>;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** What makes two requests "the same": the operation and the body, whatever its key order or spacing. */
export const fingerprint = (operation: string, body: unknown) => `${operation} ${canonical(body)}`;

export class IdempotencyKeys {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `produce` once per key; a second request with the key waits for the first and replays it. */
  async run(key: string, print: string, produce: () => Promise<Reply>): Promise<Reply> {
    this.#prune();
    const found = this.#entries.get(key);
    if (found) {
      if (found.fingerprint !== print) {
        throw conflict(
          `Idempotency-Key ${key} was already used with a different request body`,
          "idempotency_key_reused",
        );
      }
      const first = await found.reply.catch(() => undefined);
      // The first attempt failed and was forgotten: this one does the work.
      if (!first || this.#entries.get(key) !== found) return this.run(key, print, produce);
      return { ...first, headers: { ...first.headers, "idempotent-replayed": "true" } };
    }
    const entry: Entry = { fingerprint: print, at: this.now(), reply: produce() };
    this.#entries.set(key, entry);
    try {
      const reply = await entry.reply;
      if (reply.status >= 300) this.#entries.delete(key);
      return reply;
    } catch (error) {
      this.#entries.delete(key);
      throw error;
    }
  }

  #prune(): void {
    const oldest = this.now() - KEY_LIFETIME_MS;
    for (const [key, entry] of this.#entries) if (entry.at < oldest) this.#entries.delete(key);
  }
}
