import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ANONYMOUS } from "./authentication.js";
import type { ConnectionHandle, Identity } from "./channel_context.js";
import { Subscriptions, type SubscriptionsHost, type SubscriptionsOwner } from "./subscriptions.js";

/** The socket a session is on, as the session sees it (a `Connection`). */
export interface SessionSocket {
  readonly id: string;
  readonly closing: boolean;
  readonly request: ConnectionHandle["request"];
  send(frame: string): void;
  disconnect(reason: string, reconnect: boolean): void;
}

/** A new session id: 128 random bits, as unguessable as a session cookie (it stands for the identity). */
export function newSid(): string {
  return randomBytes(16).toString("base64url");
}

/** The session id a reconnecting extended-protocol client restores: `?sid=` or `X-ANYCABLE-RESTORE-SID`. */
export function restoreSid(request: IncomingMessage): string | undefined {
  const header = request.headers["x-anycable-restore-sid"];
  if (typeof header === "string" && header) return header;
  const query = (request.url ?? "").split("?", 2)[1];
  return query ? new URLSearchParams(query).get("sid") || undefined : undefined;
}

/**
 * The session of an extended-protocol client (`actioncable-v1-ext-json`): its identity and
 * subscriptions, which outlive the socket. Channels see it as their `connection`, so a socket
 * that drops and a new one that restores the session (`?sid=`) are the same connection to them:
 * its `id` stays, frames go to whichever socket it is on now, and none while it is away.
 */
export class CableSession implements SubscriptionsOwner {
  readonly id: string;
  readonly extended = true;
  readonly subscriptions: Subscriptions;
  identity: Identity = ANONYMOUS;
  welcomed = false;
  /** The id the client restores it with; a new one at every `welcome`. */
  sid = newSid();
  #socket: SessionSocket | undefined;
  #request: ConnectionHandle["request"];

  constructor(socket: SessionSocket, host: SubscriptionsHost) {
    this.id = socket.id;
    this.#socket = socket;
    this.#request = socket.request;
    this.subscriptions = new Subscriptions(this, host);
  }

  /** The upgrade request of the socket it is on now (or was on last). */
  get request(): ConnectionHandle["request"] {
    return this.#request;
  }

  /** True while no socket carries it, or its socket is closing. */
  get closing(): boolean {
    return this.#socket === undefined || this.#socket.closing;
  }

  /** Whether a socket carries it now. */
  get attached(): boolean {
    return this.#socket !== undefined;
  }

  send(frame: string): void {
    this.#socket?.send(frame);
  }

  disconnect(reason: string, reconnect: boolean): void {
    this.#socket?.disconnect(reason, reconnect);
  }

  /** Moves the session onto `socket` (a restore), with a new sid for its `welcome`. */
  attach(socket: SessionSocket): void {
    this.#socket = socket;
    this.#request = socket.request;
    this.sid = newSid();
  }

  /** The socket is gone; subscriptions hold their broadcasts until a restore or the expiry. */
  detach(): void {
    this.#socket = undefined;
    this.subscriptions.holdAll();
  }
}
