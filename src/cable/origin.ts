import type { IncomingMessage } from "node:http";

/**
 * Which browser origins may open the cable:
 * - `"same-origin"`: only the page's own origin (`Origin` host equals the request's `Host`);
 * - `"any"`: every origin (for development only);
 * - a list of exact origins (`"https://app.example"`) or patterns.
 * Requests without an `Origin` header come from non-browser clients and are allowed: the
 * check protects users' browsers from cross-site pages, not the server from scripts.
 */
export type OriginPolicy = "same-origin" | "any" | ReadonlyArray<string | RegExp>;

export function originAllowed(policy: OriginPolicy, request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || policy === "any") return true;
  if (policy === "same-origin") {
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
  return policy.some((allowed) => (typeof allowed === "string" ? allowed === origin : allowed.test(origin)));
}
