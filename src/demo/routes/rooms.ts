import { randomUUID } from "node:crypto";
import { issueRoomClient } from "../../identity/room_token.js";
import { iceConfiguration } from "../../identity/turn_credentials.js";
import { type Route, redirect, sendHtml } from "../router.js";
import { roomView } from "../views/room.js";
import { roomsNewView } from "../views/rooms_new.js";

/**
 * The mesh video room pages: create a room, then one page per member, each with a fresh client id.
 * `GET /rooms/:id?name=NAME` names the member (cleaned and cut to 40 characters by
 * `roomMemberName`; without it, the first 8 characters of the client id).
 */
export const roomRoutes: Route[] = [
  {
    method: "GET",
    path: "/rooms/new",
    handle(_request, response) {
      sendHtml(response, roomsNewView());
    },
  },
  {
    method: "POST",
    path: "/rooms",
    handle(_request, response) {
      redirect(response, `/rooms/${randomUUID()}`);
    },
  },
  {
    method: "GET",
    // Room ids are the safe ids of room_token.ts: they end up in stream names and element ids.
    path: /^\/rooms\/([A-Za-z0-9_-]{1,64})$/,
    handle(request, response, [roomId], context) {
      const signer = context.cable.signer;
      const name = new URL(request.url ?? "/", "http://localhost").searchParams.get("name");
      const client = issueRoomClient(signer, roomId!, { name });
      // This page's own TURN credentials, bound to its client id; the secret stays here.
      const ice = iceConfiguration(context.ice, client.clientId);
      sendHtml(
        response,
        roomView(
          signer,
          client,
          [...context.iceServers, ...ice.iceServers],
          context.roomVideoCaps,
          ice.iceTransportPolicy,
          ice.expiresAt,
        ),
      );
    },
  },
];
