// What the server says about safety at start-up, in the banner and in the CLI.
export const WARNING = "sandbox commands run directly on this host, as your user, without any isolation";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** The extra warning when the server is reachable from other machines. */
export function exposureWarning(host: string): string | undefined {
  return LOOPBACK.has(host)
    ? undefined
    : `bound to ${host}, not loopback: anyone who can reach this port can run commands on this host`;
}
