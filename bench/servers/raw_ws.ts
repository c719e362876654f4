// The ceiling: the least a JSON relay on `ws` can do. `?id=` names the socket; a frame
// `{to, body}` goes out as `{from, body}` to every socket that took the id `to` (one for a
// peer, many for the fan-out room). It parses and re-serializes like the others, nothing more.
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import { announce, boundPort } from "./control.js";

const rooms = new Map<string, Set<WebSocket>>();
const http = createServer((_request, response) => response.writeHead(404).end());
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

wss.on("connection", (socket, request) => {
  const id = new URL(request.url ?? "/", "http://bench").searchParams.get("id");
  if (!id) {
    socket.close(1008, "id required");
    return;
  }
  const room = rooms.get(id) ?? new Set<WebSocket>();
  rooms.set(id, room);
  room.add(socket);
  socket.on("message", (data) => {
    let frame: { to?: unknown; body?: unknown };
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof frame.to !== "string") return;
    const targets = rooms.get(frame.to);
    if (!targets) return;
    const out = JSON.stringify({ from: id, body: frame.body });
    for (const target of targets) target.send(out);
  });
  socket.on("close", () => {
    room.delete(socket);
    if (room.size === 0) rooms.delete(id);
  });
  socket.on("error", () => socket.terminate());
});

await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
await announce("raw_ws", boundPort(http.address()));
