import { FakePeerConnection, type FakePeerDirectory } from "./fake_peer_connection.js";

/**
 * Where `FakePeerConnection`s find each other. Each connection it makes writes its id into the
 * SDP it produces; the side that applies that SDP pairs with it, and once the offerer applies the
 * answer the pair comes up: `connectionState` goes `connecting` then `connected`, each data channel
 * gets its twin on the other side (a `datachannel` event there) and opens, and tracks arrive as
 * `track` events. Two `PeerLink`s (a host's and a client's) thus open a channel and talk in Node.
 * Set `blocked` to let negotiations run but never connect (as with no ICE route).
 *
 * @example
 * const network = new FakePeerNetwork();
 * const host = new P2pSession({ ...hostOptions, createPeerConnection: network.factory("host") });
 * const client = new P2pSession({ ...clientOptions, createPeerConnection: network.factory("bob") });
 */
export class FakePeerNetwork implements FakePeerDirectory {
  /** Every connection made so far, oldest first. */
  readonly connections: FakePeerConnection[] = [];
  /** While `true`, pairs negotiate but never connect. */
  blocked = false;

  /** Makes one connection on this network. */
  create(label: string): FakePeerConnection {
    const pc = new FakePeerConnection(label, { network: this });
    this.connections.push(pc);
    return pc;
  }

  /** A `createPeerConnection` option: every call makes a connection labelled `label`. */
  factory(label: string): (configuration: RTCConfiguration) => RTCPeerConnection {
    return (configuration) => {
      const pc = this.create(label);
      pc.configuration = { ...configuration };
      return pc as unknown as RTCPeerConnection;
    };
  }

  /** The connection with this id, if it is on this network. */
  find(id: string): FakePeerConnection | undefined {
    return this.connections.find((pc) => pc.id === id);
  }
}
