import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tokenUrlFor } from "../../src/cli/join.js";
import { cableWebSocketUrl, nodePeerConnectionFactory, type WebRtcModule } from "../../src/node/index.js";

describe("cableWebSocketUrl", () => {
  test("turns http(s) into ws(s) and keeps ws(s)", () => {
    assert.equal(cableWebSocketUrl("http://127.0.0.1:3000/cable"), "ws://127.0.0.1:3000/cable");
    assert.equal(cableWebSocketUrl("https://app.example/cable"), "wss://app.example/cable");
    assert.equal(cableWebSocketUrl("wss://app.example/cable?x=1"), "wss://app.example/cable?x=1");
  });

  test("refuses a relative URL, naming it: a Node peer has no page", () => {
    assert.throws(() => cableWebSocketUrl("/cable"), /Cable URL "\/cable" is not absolute/);
    assert.throws(() => cableWebSocketUrl("ftp://x/cable"), /is not http\(s\) or ws\(s\)/);
  });
});

describe("tokenUrlFor", () => {
  test("is the page's path plus /token with the same query", () => {
    assert.equal(
      tokenUrlFor("http://127.0.0.1:3000/chat?name=bot&session=s").href,
      "http://127.0.0.1:3000/chat/token?name=bot&session=s",
    );
    assert.equal(tokenUrlFor("http://h/chat/?name=bot").href, "http://h/chat/token?name=bot");
    assert.equal(tokenUrlFor("http://h/chat/token?name=bot").href, "http://h/chat/token?name=bot");
  });

  test("refuses a URL without a name or not http(s)", () => {
    assert.throws(() => tokenUrlFor("http://h/chat?session=s"), /has no name: add \?name=NAME/);
    assert.throws(() => tokenUrlFor("ws://h/chat?name=a"), /is not an http\(s\) URL/);
    assert.throws(() => tokenUrlFor("chat?name=a"), /is not a URL/);
  });
});

describe("nodePeerConnectionFactory", () => {
  /** A stand-in for a WebRTC module whose `setLocalDescription` wants a description, as @roamhq/wrtc's. */
  function fakeModule(calls: string[]): WebRtcModule {
    class FakePeerConnection {
      signalingState = "stable";
      async createOffer() {
        calls.push("createOffer");
        return { type: "offer", sdp: "o" };
      }
      async createAnswer() {
        calls.push("createAnswer");
        return { type: "answer", sdp: "a" };
      }
      async setLocalDescription(description?: { type: string; sdp?: string }) {
        if (!description) throw new TypeError("Expected an object");
        calls.push(`setLocalDescription ${description.type}`);
      }
    }
    return { RTCPeerConnection: FakePeerConnection as unknown as WebRtcModule["RTCPeerConnection"] };
  }

  test("fills in the parameterless setLocalDescription: an offer when stable, an answer to a remote offer", async () => {
    const calls: string[] = [];
    const pc = nodePeerConnectionFactory(fakeModule(calls))({ iceServers: [] });
    await pc.setLocalDescription();
    (pc as unknown as { signalingState: string }).signalingState = "have-remote-offer";
    await pc.setLocalDescription();
    await pc.setLocalDescription({ type: "rollback" });
    await pc.setLocalDescription({ type: "offer", sdp: "given" });
    assert.deepEqual(calls, [
      "createOffer",
      "setLocalDescription offer",
      "createAnswer",
      "setLocalDescription answer",
      "setLocalDescription rollback",
      "setLocalDescription offer",
    ]);
  });
});
