// One-time upload links for redirected file writes. Porter's API answers `PUT …/files/content` with a
// 307 to the service that owns the data, and clients re-send the body there; the local server does the
// same (unless `redirectWrites: false`) so that code written against it follows the redirect too. The
// link is a capability, like a presigned URL: its unguessable token alone authorizes the upload (a
// client drops `Authorization` when a redirect leaves the origin), for one volume and path, once, until
// it expires.
import { randomBytes } from "node:crypto";

/** Where upload links live: outside `/v1/`, so that no route of the spec can ever collide with it. */
export const UPLOAD_PREFIX = "/_local/uploads/";

export interface UploadTarget {
  volumeId: string;
  path: string;
}

interface Link extends UploadTarget {
  expiresAt: number;
}

export class UploadLinks {
  readonly #links = new Map<string, Link>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new link for writing `path` on a volume: the path part of the URL to redirect to. */
  issue(target: UploadTarget): string {
    this.#prune();
    const token = randomBytes(24).toString("base64url");
    this.#links.set(token, { ...target, expiresAt: this.now() + this.ttlMs });
    return `${UPLOAD_PREFIX}${token}`;
  }

  /** The target of a link, which is used up by this; undefined when unknown, used or expired. */
  take(token: string): UploadTarget | undefined {
    this.#prune();
    const link = this.#links.get(token);
    this.#links.delete(token);
    return link && { volumeId: link.volumeId, path: link.path };
  }

  #prune(): void {
    const now = this.now();
    for (const [token, link] of this.#links) if (link.expiresAt <= now) this.#links.delete(token);
  }
}
