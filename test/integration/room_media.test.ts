import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createDemoApp } from "../../src/demo/app.js";
import { escapeHtml } from "../../src/html/html.js";
import { issueRoomClient, verifyRoomToken } from "../../src/identity/room_token.js";
import { TEST_SECRET } from "../support/cable.js";
import type { Message } from "../support/inbox.js";
import { joinRoom, startRoomCable } from "../support/room_members.js";

// Names and microphone / camera badges of room members (issue #18), over real sockets with the
// official Rails client: `media` replaces the caller's badges at the whole room, `greet` carries
// the greeter's name and current state.

const isError = (m: Message) => m.type === "error";

describe("RoomChannel media state", () => {
  test("replaces the caller's badges at everyone in its room, and nowhere else", async (t) => {
    const { join } = await startRoomCable(t);
    const ann = await join("r1", "ann");
    const bob = await join("r1", "bob");
    const dan = await join("r2", "dan");
    const id = ann.client.clientId;
    ann.presence.subscription.perform("media", { muted: true, cameraOff: false });
    const atBob = await bob.room.nextHtml(`medium-state_${id}`, "ann's badges");
    assert.equal(
      atBob,
      `<turbo-stream action="replace" target="medium-state_${id}"><template><span id="medium-state_${id}" class="medium-state" data-muted="true" data-camera-off="false"><span class="badge badge-muted">muted</span></span></template></turbo-stream>`,
    );
    ann.presence.subscription.perform("media", { muted: false, cameraOff: true });
    const second = await bob.room.nextHtml('data-camera-off="true"', "ann's camera off");
    assert.match(second, /<span class="badge badge-camera-off">camera off<\/span><\/span><\/template>/);
    assert.ok(!second.includes("badge-muted"));
    // Had ann's state leaked to r2, it would be on dan's socket before dan's own.
    dan.presence.subscription.perform("media", { muted: true, cameraOff: true });
    await dan.room.nextHtml(`medium-state_${dan.client.clientId}`, "dan's own badges");
    assert.equal(dan.room.messages.length, 1);
    assert.equal(bob.personal.messages.length, 0);
    assert.deepEqual(bob.presence.inbox.all(isError), []);
  });

  test("refuses a malformed media payload with invalid_message and disturbs no one", async (t) => {
    const { join } = await startRoomCable(t);
    const ann = await join("r1", "ann");
    const bob = await join("r1", "bob");
    const bad = [
      {},
      { muted: true },
      { cameraOff: false },
      { muted: "yes", cameraOff: false },
      { muted: 1, cameraOff: 0 },
      { muted: null, cameraOff: false },
      { muted: false, cameraOff: "<img src=x onerror=alert(1)>" },
    ];
    for (const data of bad) ann.presence.subscription.perform("media", data);
    const errors = await ann.presence.inbox.until(() => {
      const found = ann.presence.inbox.all(isError);
      return found.length === bad.length ? found : undefined;
    }, "one error per bad payload");
    for (const error of errors) {
      assert.equal(error.reason, "invalid_message");
      assert.match(String(error.message), /^media /);
    }
    assert.match(String(errors[3]!.message), /media "muted" must be true or false, got "yes"/);
    // ann is still subscribed: its next, good report is the first thing bob's page ever gets.
    ann.presence.subscription.perform("media", { muted: true, cameraOff: true });
    await bob.room.nextHtml(`medium-state_${ann.client.clientId}`, "ann's good badges");
    await ann.room.nextHtml(`medium-state_${ann.client.clientId}`, "ann's good badges at ann");
    assert.equal(bob.room.messages.length, 1);
    assert.equal(ann.room.messages.length, 1);
    assert.deepEqual(bob.presence.inbox.all(isError), []);
    assert.ok(!String(bob.room.messages[0]).includes("img"));
  });

  test("greets with the greeter's name and its current state, whose id media replaces", async (t) => {
    const { join } = await startRoomCable(t);
    const ann = await join("r1", "Ann Lee");
    const id = ann.client.clientId;
    ann.presence.subscription.perform("media", { muted: true, cameraOff: true });
    await ann.room.nextHtml(`medium-state_${id}`, "ann's own badges");
    const bob = await join("r1", "bob");
    ann.presence.subscription.perform("greet", { to: bob.client.clientId });
    const greeting = await bob.personal.nextHtml(`id="medium_${id}"`, "ann's element at bob");
    assert.equal(
      greeting,
      `<turbo-stream action="append" target="media"><template><div id="medium_${id}" class="medium" data-controller="medium" data-medium-client-id-value="${id}"><video autoplay playsinline></video><p class="medium-caption"><bdi class="medium-name">Ann Lee</bdi><span id="medium-state_${id}" class="medium-state" data-muted="true" data-camera-off="true"><span class="badge badge-muted">muted</span><span class="badge badge-camera-off">camera off</span></span><span class="peer-state"></span></p></div></template></turbo-stream>`,
    );
    // Unmuting later reaches bob as a replace of the very element the greeting gave him.
    ann.presence.subscription.perform("media", { muted: false, cameraOff: true });
    const update = await bob.room.nextHtml(`target="medium-state_${id}"`, "ann's unmute at bob");
    assert.match(update, /data-muted="false" data-camera-off="true"/);
  });

  test("greets with the short client id when the member gave no name", async (t) => {
    const { join } = await startRoomCable(t);
    const ann = await join("r1");
    const bob = await join("r1");
    ann.presence.subscription.perform("greet", { to: bob.client.clientId, reply: true });
    const greeting = await bob.personal.nextHtml("medium-name", "ann's element at bob");
    assert.ok(greeting.includes(`<bdi class="medium-name">${ann.client.clientId.slice(0, 8)}</bdi>`));
    assert.ok(greeting.includes('data-muted="false" data-camera-off="false"></span>'));
  });
});

describe("room member names from the demo page", () => {
  const HOSTILE = `  "><script>alert(1)</script>\u202e${"x".repeat(500)}\u0007'\`<img src=x onerror=alert(2)>`;
  // What is left once cleaned: the bidi override gone, cut to 40 characters.
  const NAME = `"><script>alert(1)</script>${"x".repeat(13)}`;

  test("escapes and bounds a hostile ?name= in the page and in the greeting it signs", async (t) => {
    const app = createDemoApp({ secret: TEST_SECRET });
    const base = await app.listen(0, "127.0.0.1");
    t.after(() => app.close());
    const response = await fetch(`${base}/rooms/r1?name=${encodeURIComponent(HOSTILE)}`);
    assert.equal(response.status, 200);
    const page = await response.text();
    for (const raw of ["<script>alert", "<img", "\u202e", "\u0007", "x".repeat(14)]) {
      assert.ok(!page.includes(raw), `raw ${JSON.stringify(raw)} in the page`);
    }
    assert.ok(
      page.includes(
        `<bdi class="medium-name">${escapeHtml(NAME)}</bdi><span class="medium-you">(you)</span>`,
      ),
    );
    assert.ok(page.includes('<p class="room-error" data-room-target="error" role="alert" hidden></p>'));

    const clientId = /data-room-client-id-value="([^"]+)"/.exec(page)![1]!;
    const token = /data-room-token-value="([^"]+)"/.exec(page)![1]!;
    const signer = app.cable.signer;
    assert.deepEqual(verifyRoomToken(signer, token), { roomId: "r1", clientId, name: NAME });

    const cable = `${base.replace("http", "ws")}/cable`;
    const mallory = await joinRoom(t, cable, signer, { roomId: "r1", clientId, token }, "mallory");
    const bob = await joinRoom(t, cable, signer, issueRoomClient(signer, "r1", { name: "bob" }), "bob");
    mallory.presence.subscription.perform("greet", { to: bob.client.clientId });
    const greeting = await bob.personal.nextHtml(`id="medium_${clientId}"`, "mallory's element at bob");
    assert.ok(greeting.includes(`<bdi class="medium-name">${escapeHtml(NAME)}</bdi>`));
    for (const raw of ["<script>", "<img", "\u202e", "\u0007", "x".repeat(14)]) {
      assert.ok(!greeting.includes(raw), `raw ${JSON.stringify(raw)} in the greeting`);
    }
  });

  test("shows the page's own name, or its short client id without one", async (t) => {
    const app = createDemoApp({ secret: TEST_SECRET });
    const base = await app.listen(0, "127.0.0.1");
    t.after(() => app.close());
    const named = await (await fetch(`${base}/rooms/r1?name=${encodeURIComponent(" Ann\tLee ")}`)).text();
    assert.ok(named.includes('<bdi class="medium-name">Ann Lee</bdi>'));
    const plain = await (await fetch(`${base}/rooms/r1`)).text();
    const clientId = /data-room-client-id-value="([^"]+)"/.exec(plain)![1]!;
    assert.ok(plain.includes(`<bdi class="medium-name">${clientId.slice(0, 8)}</bdi>`));
  });
});
