// Server under test: our Action Cable server with the bench relay channel and plain-protocol
// clients (`cable_server.ts` says which options and why).
import { serveCable } from "./cable_server.js";

await serveCable("cable");
