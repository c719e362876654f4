// Baseline: PeerServer (npm `peer`), the PeerJS signaling server, unmodified. Clients speak its
// real protocol (`/peerjs?key=&id=&token=`, OFFER/ANSWER/CANDIDATE relayed by `dst`).
// `concurrent_limit` is raised: by default it refuses client 5,001.
import type { Server } from "node:http";
import { PeerServer } from "peer";
import { announce, boundPort } from "./control.js";

const server = await new Promise<Server>((resolve) => {
  PeerServer({ port: 0, host: "127.0.0.1", path: "/", key: "peerjs", concurrent_limit: 1_000_000 }, (http) =>
    resolve(http as Server),
  );
});
await announce("peerserver", boundPort(server.address()));
