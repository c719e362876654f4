import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { TestContext } from "node:test";

/** A TCP proxy on 127.0.0.1 in front of one upstream port, whose connections a test can cut. */
export interface TcpProxy {
  /** `http://127.0.0.1:<proxy port>`: load a page from here and its cable goes through the proxy too. */
  readonly url: string;
  readonly port: number;
  /** Connections open through the proxy now. */
  readonly open: number;
  /**
   * Destroys every connection open now, both sides at once, as a network that drops them would:
   * the browser sees its WebSocket close abnormally (1006) and the server sees the socket end.
   * Resolves to how many were cut. New connections are still accepted.
   */
  cut(): number;
  /**
   * Cuts every connection open now and every new one at once until `restore()`, as a network that
   * is down would: clients keep trying and fail. Resolves to how many were open.
   */
  goDown(): number;
  /** Lets new connections through again. */
  restore(): void;
  /** How many connections were refused while down. */
  readonly refused: number;
  /** How many connections were ever made through the proxy (refused ones included). */
  readonly accepted: number;
  /**
   * Goes down (as `goDown`) when the server next sends a WebSocket frame containing `text`, and
   * drops that frame: the client cannot have received it. Resolves when that happened.
   */
  goDownOnFrame(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `upstreamPort` (or, for each new connection, the port the function gives) on a free port. It forwards bytes unchanged (the Host and
 * Origin headers name the proxy, so a same-origin policy holds). Closed with the test through `t`.
 */
export async function startTcpProxy(
  upstreamPort: number | (() => number),
  t?: Pick<TestContext, "after">,
): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let refused = 0;
  let accepted = 0;
  let trap: { text: string; sprung: () => void } | null = null;
  const server: Server = createServer((downstream) => {
    accepted += 1;
    if (down) {
      refused += 1;
      downstream.resetAndDestroy();
      return;
    }
    const port = typeof upstreamPort === "number" ? upstreamPort : upstreamPort();
    const upstream = createConnection({ host: "127.0.0.1", port });
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    downstream.pipe(upstream);
    // By hand rather than piped, to look into the server's WebSocket frames (sent unmasked).
    let websocket: boolean | undefined;
    upstream.on("data", (chunk: Buffer) => {
      websocket ??= chunk.subarray(0, 12).toString("latin1") === "HTTP/1.1 101";
      if (trap && websocket && chunk.includes(trap.text)) {
        const { sprung } = trap;
        trap = null;
        goDown();
        sprung();
        return;
      }
      if (!downstream.write(chunk)) {
        upstream.pause();
        downstream.once("drain", () => upstream.resume());
      }
    });
    upstream.on("end", () => downstream.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const cut = () => {
    const count = pairs.size;
    for (const [downstream, upstream] of [...pairs]) {
      // resetAndDestroy sends RST where it can: what a dropped network path looks like to both ends.
      downstream.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
    return count;
  };
  const goDown = () => {
    down = true;
    return cut();
  };
  const close = async () => {
    cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t?.after(close);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get open() {
      return pairs.size;
    },
    cut,
    goDown,
    goDownOnFrame: (text) =>
      new Promise<void>((resolve) => {
        trap = { text, sprung: resolve };
      }),
    restore: () => {
      down = false;
    },
    get refused() {
      return refused;
    },
    get accepted() {
      return accepted;
    },
    close,
  };
}
