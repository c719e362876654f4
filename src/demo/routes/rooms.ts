import { randomUUID } from "node:crypto";
import { issueRoomClient } from "../../identity/room_token.js";
import { type Route, redirect, sendHtml } from "../router.js";
import { roomView } from "../views/room.js";
import { roomsNewView } from "../views/rooms_new.js";

/** The mesh video room pages: create a room, then one page per member, each with a fresh client id. */
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
    handle(_request, response, [roomId], context) {
      const signer = context.cable.signer;
      sendHtml(response, roomView(signer, issueRoomClient(signer, roomId!), context.iceServers));
    },
  },
];
