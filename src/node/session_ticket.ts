import type { P2pSessionOptions } from "../client/session/types.js";

/**
 * What an app's token route answers (the demo's `GET /chat/token?name=NAME&session=ID`): the same
 * signed token and client configuration a page of that peer would be rendered with.
 */
export interface SessionTicket {
  /** Absolute cable URL (`ws://host:port/cable`). */
  cableUrl: string;
  /** Signed by the server (`signSessionToken`): binds session and peer. */
  token: string;
  sessionId: string;
  peerId: string;
  /** Client options, as `<p2p-frame>`'s `config` attribute carries them. */
  config: Partial<P2pSessionOptions>;
}

/** Why `fetchSessionTicket` failed: the server was not reached, or it refused (its status and text). */
export class SessionTicketError extends Error {
  /** `unreachable` (no HTTP answer) or `refused` (an answer other than 2xx, or not a ticket). */
  readonly kind: "unreachable" | "refused";
  /** The HTTP status when the server answered. */
  readonly status: number | undefined;

  constructor(
    kind: "unreachable" | "refused",
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SessionTicketError";
    this.kind = kind;
    this.status = options.status;
  }
}

/**
 * Fetches a `SessionTicket` from an app's token route; spread it into `createNodeSession`.
 * Throws `SessionTicketError` naming the URL when the server is unreachable or refuses.
 *
 * @example
 * const ticket = await fetchSessionTicket("http://127.0.0.1:3000/chat/token?name=bot&session=chat");
 * const session = createNodeSession({ ...ticket.config, ...ticket });
 */
export async function fetchSessionTicket(url: string | URL, init: RequestInit = {}): Promise<SessionTicket> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { accept: "application/json", ...init.headers } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? String(error);
    throw new SessionTicketError("unreachable", `Cannot reach ${String(url)}: ${why}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new SessionTicketError(
      "refused",
      `${String(url)} answered ${response.status}: ${text.trim().slice(0, 300)}`,
      { status: response.status },
    );
  }
  let ticket: Partial<SessionTicket>;
  try {
    ticket = JSON.parse(text) as Partial<SessionTicket>;
  } catch (error) {
    throw new SessionTicketError("refused", `${String(url)} did not answer JSON: ${text.slice(0, 80)}`, {
      status: response.status,
      cause: error,
    });
  }
  for (const key of ["cableUrl", "token", "sessionId", "peerId"] as const) {
    if (typeof ticket[key] !== "string") {
      throw new SessionTicketError(
        "refused",
        `${String(url)} answered no "${key}": not a session token route`,
        {
          status: response.status,
        },
      );
    }
  }
  return { ...(ticket as SessionTicket), config: ticket.config ?? {} };
}
