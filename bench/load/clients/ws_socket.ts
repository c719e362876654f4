import { WebSocket } from "ws";

/** Opens a `ws` client socket the same way for every server speaking plain WebSocket. */
export function openSocket(url: string, protocols: string[] = []): WebSocket {
  return new WebSocket(url, protocols, { perMessageDeflate: false });
}

/** Closes `socket` and resolves once the close handshake (or the TCP end) is over. */
export function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    if (socket.readyState !== WebSocket.CLOSING) socket.close();
  });
}

/** Rejects on the first `error` or `close` before `ready` settles, with the server's words. */
export function failOnClose(socket: WebSocket, what: string): Promise<never> {
  return new Promise((_, reject) => {
    socket.once("error", (error) => reject(new Error(`${what}: ${error.message}`)));
    socket.once("close", (code, reason) => reject(new Error(`${what}: closed (${code} ${String(reason)})`)));
  });
}
