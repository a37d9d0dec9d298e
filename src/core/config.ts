// Where the API lives and how to authenticate, resolved once at construction. The order and the
// failure messages follow the Porter Sandbox API reference (shared/reference/porter-sandbox-api.md).
import { DASHBOARD_URL, IN_CLUSTER_BASE_URL } from "./defaults.js";
import { ConfigurationError, ValidationError } from "./errors.js";

/** Reads an environment variable in any runtime: Node and Bun (`process.env`), Deno (`Deno.env`,
 * which throws without `--allow-env`), and none at all in browsers and edge workers. */
export function readEnv(name: string): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  try {
    const value = g.process?.env?.[name] ?? g.Deno?.env?.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

export interface Location {
  baseUrl: string;
  apiKey: string | undefined;
}

/**
 * A setting that breaks a rule, in the caller's words: an option passed in code is bad input (a
 * `ValidationError` naming the option); the same setting read from the environment is configuration (a
 * `ConfigurationError` naming the variable).
 */
function settingError(option: string, variable: string, fromOption: boolean, rule: string): Error {
  if (fromOption) return new ValidationError("client options", [{ path: option, message: rule }]);
  return new ConfigurationError(`${variable} ${rule}`);
}

/** The positive-integer `project_id` claim of a Porter API token (a JWT), read without verifying it. */
export function projectIdFromToken(token: string): number {
  const id = claimsOf(token)?.project_id;
  const positiveInteger = Number.isInteger(id) && (id as number) > 0;
  if (!positiveInteger) {
    throw new ConfigurationError(
      "the API key is not a Porter API token (a JWT with a positive-integer project_id claim); create one under Settings > API tokens",
    );
  }
  return id as number;
}

/** The claims of a JWT (its middle part), undefined when the token is not one: reported by the caller
 * as a token without the claim is, since the fix is the same. */
function claimsOf(token: string): Record<string, unknown> | undefined {
  try {
    const payload = token.split(".")[1]!;
    // base64url to base64; `atob` decodes it without the `=` padding JWTs leave out (forgiving-base64).
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(base64)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function resolveLocation(options: { baseUrl?: string | undefined; apiKey?: string | undefined }): Location {
  const apiKey = options.apiKey ?? readEnv("PORTER_SANDBOX_API_KEY");
  // A key goes into a header: a pasted line break or space would make every request fail with the
  // key quoted in the fetch error. Its value is never echoed.
  const notVisibleAscii = apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey);
  if (notVisibleAscii) {
    const rule = "may hold only visible ASCII characters (no spaces or line breaks): check how it was pasted";
    throw settingError("apiKey", "PORTER_SANDBOX_API_KEY", options.apiKey !== undefined, rule);
  }
  const explicit = options.baseUrl ?? readEnv("PORTER_SANDBOX_BASE_URL");
  if (explicit !== undefined) return { baseUrl: checkedBaseUrl(explicit, options.baseUrl !== undefined), apiKey };
  const clusterId = readEnv("PORTER_CLUSTER_ID");
  if (clusterId !== undefined) {
    if (apiKey === undefined) {
      throw new ConfigurationError(
        "PORTER_CLUSTER_ID is set but no API key: pass apiKey or set PORTER_SANDBOX_API_KEY",
      );
    }
    const projectId = projectIdFromToken(apiKey);
    return { baseUrl: `${DASHBOARD_URL}/projects/${projectId}/clusters/${encodeURIComponent(clusterId)}`, apiKey };
  }
  if (apiKey !== undefined) {
    throw new ConfigurationError(
      "an API key is set but no cluster: set PORTER_CLUSTER_ID (outside the cluster) or pass baseUrl / set PORTER_SANDBOX_BASE_URL",
    );
  }
  if (readEnv("KUBERNETES_SERVICE_HOST") !== undefined) return { baseUrl: IN_CLUSTER_BASE_URL, apiKey };
  throw new ConfigurationError(
    "cannot tell where the Sandbox API is: pass baseUrl or set PORTER_SANDBOX_BASE_URL, " +
      "or set PORTER_CLUSTER_ID and PORTER_SANDBOX_API_KEY, or run inside a Porter cluster",
  );
}

/** The base URL given (by the option, else `PORTER_SANDBOX_BASE_URL`), without a trailing `/`. */
function checkedBaseUrl(explicit: string, fromOption: boolean): string {
  const refuse = (rule: string) => settingError("baseUrl", "PORTER_SANDBOX_BASE_URL", fromOption, rule);
  if (!/^https?:\/\/[^/]/.test(explicit))
    throw refuse(`must be an absolute http(s) URL, got ${JSON.stringify(explicit)}`);
  // Credentials belong in apiKey, where they are never shown; a query or fragment cannot prefix paths.
  const url = new URL(explicit);
  const carriesMore = url.username || url.password || url.search || url.hash;
  if (carriesMore) throw refuse("must not hold a user name, password, query or fragment (pass credentials as apiKey)");
  return explicit.replace(/\/+$/, "");
}
