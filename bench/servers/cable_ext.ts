// Server under test for extended-protocol clients: the same server as cable.ts (one server
// speaks both subprotocols; the client's offer picks), its own process per trial as every kind.
import { serveCable } from "./cable_server.js";

await serveCable("cable_ext");
