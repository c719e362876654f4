// Tick between steps as a browser does: Node's setImmediate where there is one.
const tick = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

/**
 * The part of RTCDataChannel a session uses: `readyState`, `send`, `close` and the `open`,
 * `message` and `close` events. A `FakePeerConnection` makes one with `createDataChannel`; once
 * the connection is up (see `FakePeerNetwork`) it has a twin on the other side, and what one sends
 * arrives at the other a tick later, in order. Nothing is buffered: `bufferedAmount` stays 0.
 */
export class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = "connecting";
  binaryType: BinaryType = "arraybuffer";
  readonly bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  /** The other side's channel, once the connection is up. */
  remote: FakeDataChannel | null = null;
  /** Every message sent from this side, as sent. */
  readonly sent: unknown[] = [];

  constructor(
    readonly label: string,
    readonly ordered = true,
  ) {
    super();
  }

  /** Sends one message to the twin; throws as a browser does when the channel is not open. */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.readyState !== "open")
      throw new Error(`InvalidStateError: send on a data channel that is ${this.readyState}`);
    this.sent.push(data);
    const copy = typeof data === "string" || data instanceof Blob ? data : toArrayBuffer(data);
    const remote = this.remote;
    void tick().then(() => {
      if (remote?.readyState === "open")
        remote.dispatchEvent(Object.assign(new Event("message"), { data: copy }));
    });
  }

  /** Closes both ends: each gets `close` a tick later. Idempotent. */
  close(): void {
    if (this.readyState === "closed" || this.readyState === "closing") return;
    this.readyState = "closing";
    const remote = this.remote;
    void tick().then(() => {
      this.closed();
      remote?.closed();
    });
  }

  /** Opens this end (the connection does it when it comes up). */
  opened(): void {
    if (this.readyState !== "connecting") return;
    this.readyState = "open";
    this.dispatchEvent(new Event("open"));
  }

  /** This end is closed (its own `close()`, the twin's, or the connection's). */
  closed(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.dispatchEvent(new Event("close"));
  }
}

function toArrayBuffer(data: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data.slice(0);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return bytes.slice().buffer;
}
