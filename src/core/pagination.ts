// A list call's result: `await` gives one page, usable as an array that also carries the API's
// pagination; `for await` walks every item of every page, fetching one page at a time, lazily.
import { SandboxError, ValidationError } from "./errors.js";

/**
 * Where a page sits in a listing, as the API reports it (wire names).
 *
 * @example
 * ```ts
 * const page = await porter.sandboxes.list({ page: 2 });
 * const { current_page, total_pages, has_next_page }: Pagination = page.pagination;
 * console.log(`page ${current_page} of ${total_pages}`, has_next_page ? "more to come" : "last");
 * ```
 */
export interface Pagination {
  /** 1-based number of this page. */
  current_page: number;
  /** Number of pages; 0 when nothing matches. */
  total_pages: number;
  /** Whether a page after this one exists. */
  has_next_page: boolean;
}

/**
 * One page of results: an array of items with the page's pagination and a way to the next page. The
 * extra members are not enumerable, so the page prints, spreads and serialises as a plain array.
 *
 * @example
 * ```ts
 * const page: Page<Sandbox> = await porter.sandboxes.list();
 * console.log(page.length, page.pagination.total_pages);
 * if (page.hasNextPage()) {
 *   const next = await page.getNextPage();
 *   console.log(next.map((sandbox) => sandbox.name));
 * }
 * ```
 */
export type Page<T, Extra = object> = T[] &
  Extra & {
    /** Where this page sits: `current_page`, `total_pages`, `has_next_page`. */
    readonly pagination: Pagination;
    /** Whether a page after this one exists. */
    hasNextPage(): boolean;
    /** Fetches the page after this one. Past the last page it fails with a `ValidationError` (and sends
     * nothing); check `hasNextPage()` first. */
    getNextPage(): Promise<Page<T, Extra>>;
  };

export function makePage<T, Extra extends object>(
  items: T[],
  pagination: Pagination,
  extra: Extra,
  fetchPage: (page: number) => Promise<Page<T, Extra>>,
): Page<T, Extra> {
  const members = {
    pagination,
    ...extra,
    hasNextPage: () => pagination.has_next_page,
    getNextPage: () => {
      if (!pagination.has_next_page) {
        const last = `page ${pagination.current_page} is the last page: check hasNextPage() first`;
        return Promise.reject(new ValidationError("call to getNextPage()", [{ path: "", message: last }]));
      }
      return fetchPage(pagination.current_page + 1);
    },
  };
  // Not enumerable, so that the page still prints, spreads and serialises as the plain array it is.
  for (const [name, value] of Object.entries(members)) Object.defineProperty(items, name, { value });
  return items as Page<T, Extra>;
}

/**
 * The promise of a list call's first page that is also an async iterator over every item. The first
 * request goes out when the result is first awaited or iterated, and only once.
 *
 * @example
 * ```ts
 * const first = await porter.sandboxes.list();          // one page
 * for await (const sandbox of porter.sandboxes.list()) {} // every sandbox, a page at a time
 * ```
 */
export class PagePromise<T, Extra = object> implements Promise<Page<T, Extra>>, AsyncIterable<T> {
  #first: Promise<Page<T, Extra>> | undefined;
  readonly #load: () => Promise<Page<T, Extra>>;

  constructor(load: () => Promise<Page<T, Extra>>) {
    this.#load = load;
  }

  /** Makes the object a structural `Promise`, so it goes wherever one is expected. */
  get [Symbol.toStringTag](): string {
    return "PagePromise";
  }

  #page(): Promise<Page<T, Extra>> {
    return (this.#first ??= this.#load());
  }

  then<A = Page<T, Extra>, B = never>(
    onfulfilled?: ((page: Page<T, Extra>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#page().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T, Extra> | B> {
    return this.#page().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T, Extra>> {
    return this.#page().finally(onfinally);
  }

  /** Walks every item of every page from the list's starting page on, fetching each page only when the walk reaches it. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page = await this.#page();
    for (;;) {
      yield* page;
      if (!page.hasNextPage()) return;
      const next = await page.getNextPage();
      // A server that ignores `page` but says there is more would otherwise loop forever: an answer
      // the SDK cannot use, as a 2xx that is not JSON is.
      if (next.pagination.current_page <= page.pagination.current_page) {
        throw new SandboxError(
          `asked for page ${page.pagination.current_page + 1}, got page ${next.pagination.current_page}`,
        );
      }
      page = next;
    }
  }
}
