// Baseline: a minimal Socket.IO relay in its own idiom. Each socket joins the room named by
// its `id`; `relay(to, body)` becomes `socket.to(to).emit("relay", from, body)`.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { announce, boundPort } from "./control.js";

const http = createServer();
const io = new Server(http, { serveClient: false, transports: ["websocket"] });

io.on("connection", (socket) => {
  const id = socket.handshake.query.id;
  if (typeof id !== "string" || id === "") {
    socket.disconnect(true);
    return;
  }
  void socket.join(id);
  socket.on("relay", (to: unknown, body: unknown) => {
    if (typeof to === "string") socket.to(to).emit("relay", id, body);
  });
});

await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
await announce("socketio", boundPort(http.address()));
