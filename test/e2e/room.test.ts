import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { openPage, waitInPage } from "../support/browser.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { health, healthUntil } from "../support/health.js";
import { enter, gone, type Member, openMember, others, playing } from "../support/room_pages.js";

// Browser tests of the mesh video room (seed 002), through the demo app and its bundle: run
// `npm run build` first, and run this file through ../shared/tools/netns-run. Each test opens a
// room and pages of its own: any test runs alone.

// The bound on removing a departed page's element at the others.
const GONE_BOUND_MS = 3000;

describe("mesh video room", () => {
  const demo = demoInBrowser();

  /** Opens `labels`' pages in a fresh room (or at `url`), each closed when the test ends. */
  const openRoom = async (t: TestContext, labels: string[], url = `${demo.base}/rooms/${randomUUID()}`) => {
    const members: Member[] = [];
    t.after(() => Promise.all(members.map((m) => m.context.close())));
    for (const label of labels) members.push(await openMember(demo.browser, url, label));
    return members;
  };

  /** A fresh room whose `labels`' pages have entered and play each other's video. */
  const playingRoom = async (t: TestContext, labels: string[]) => {
    const members = await openRoom(t, labels);
    await Promise.all(members.map(enter));
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    return members;
  };

  /** Waits until every one of `members` has removed `clientId`'s element; resolves with the slowest's ms. */
  const goneAtAll = async (members: Member[], clientId: string, since: number) => {
    const took = await Promise.all(
      members.map(async (m) => {
        await gone(m.page, clientId);
        return Date.now() - since;
      }),
    );
    return Math.max(...took);
  };

  const noErrors = (members: Member[]) => {
    assert.deepEqual(
      members.flatMap((m) => m.errors),
      [],
    );
    assert.deepEqual(
      demo.logger.lines.filter((l) => l.level === "error"),
      [],
    );
  };

  test("creates a room from /rooms/new and redirects to its page", async () => {
    const base = demo.base;
    const created = await fetch(`${base}/rooms`, { method: "POST", redirect: "manual" });
    assert.equal(created.status, 303);
    assert.match(created.headers.get("location")!, /^\/rooms\/[0-9a-f-]{36}$/);
    const form = await (await fetch(`${base}/rooms/new`)).text();
    assert.match(form, /<form method="post" action="\/rooms"><button type="submit">Create Room<\/button>/);
    assert.equal((await fetch(`${base}/rooms/bad%20id`)).status, 404);
  });

  test("shows each of three pages the two others' videos playing", async (t) => {
    const newRoom = await openPage(demo.browser, `${demo.base}/rooms/new`, "creator");
    await newRoom.page.click("text=Create Room");
    await newRoom.page.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    const roomUrl = newRoom.page.url();
    await newRoom.context.close();
    const members = await openRoom(t, ["ann", "bob", "cid"], roomUrl);
    const ids = new Set(members.map((m) => m.clientId));
    assert.equal(ids.size, 3, "each page load gets its own client id");
    // All three enter at once: greetings cross, and roles must still come out one polite, one not.
    await Promise.all(members.map(enter));
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    for (const member of members) {
      const local = await member.page.evaluate(() => {
        const video = document.querySelector<HTMLVideoElement>("video.local")!;
        return {
          muted: video.muted,
          live: video.srcObject !== null,
          medium: video.closest("[id^='medium_']") !== null,
        };
      });
      assert.deepEqual(local, { muted: true, live: true, medium: false }, `${member.clientId}'s local video`);
    }
    noErrors(members);
  });

  test("brings all four pages to three remote videos when a fourth joins later", async (t) => {
    const members = await playingRoom(t, ["ann", "bob", "cid"]);
    const dan = await openMember(demo.browser, members[0]!.page.url(), "dan");
    members.push(dan);
    const entered = Date.now();
    await enter(dan);
    await playing(dan, others(members, dan));
    console.log(
      `room: the fourth page played all three remote videos ${Date.now() - entered} ms after Enter`,
    );
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    noErrors(members);
  });

  test("enters and leaves ten times, leaving at every step of entering, and leaks no socket, track or peer", async (t) => {
    const [stayer, churner] = (await openRoom(t, ["ann", "bob"])) as [Member, Member];
    await enter(stayer);
    await waitInPage(churner.page, "its turbo stream sources connected", () =>
      [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
    );
    // Every camera and microphone track the churning page is ever granted, to check they all end.
    await churner.page.evaluate(() => {
      const w = window as unknown as { granted: MediaStreamTrack[] };
      w.granted = [];
      const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await ask(constraints);
        w.granted.push(...stream.getTracks());
        return stream;
      };
    });
    const before = await health(demo.base);
    const steps = ["at once", "once the camera is granted", "once entered and playing"] as const;
    for (let cycle = 0; cycle < 10; cycle++) {
      const step = steps[cycle % steps.length]!;
      const [granted, entries] = await churner.page.evaluate(() => {
        const w = window as unknown as { granted: unknown[]; p2pEvents: string[] };
        return [w.granted.length, w.p2pEvents.filter((e) => e.startsWith("p2p:room-entered")).length];
      });
      if (step === "at once") {
        await churner.page.evaluate(() => {
          document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.click();
          document.querySelector<HTMLButtonElement>("[data-action='room#leave']")!.click();
        });
      } else {
        await churner.page.click("[data-room-target='enter']");
        if (step === "once the camera is granted") {
          await waitInPage(
            churner.page,
            "the camera granted",
            (n) => (window as unknown as { granted: unknown[] }).granted.length > n,
            granted,
          );
        } else {
          await waitInPage(
            churner.page,
            "p2p:room-entered",
            (n) =>
              (window as unknown as { p2pEvents: string[] }).p2pEvents.filter((e) =>
                e.startsWith("p2p:room-entered"),
              ).length > n,
            entries,
          );
          await playing(stayer, [churner.clientId]);
        }
        await churner.page.click("text=Leave");
      }
      await healthUntil(
        demo.base,
        `the connections of before cycle ${cycle + 1} (left ${step})`,
        (h) => h.connections === before.connections && h.subscriptions === before.subscriptions,
      );
      await waitInPage(churner.page, `every granted track ended (left ${step})`, () =>
        (window as unknown as { granted: MediaStreamTrack[] }).granted.every(
          (track) => track.readyState === "ended",
        ),
      );
      await gone(stayer.page, churner.clientId);
    }
    const peers = await stayer.page.evaluate(
      () => (window as unknown as { room: { negotiations: Map<string, unknown> } }).room.negotiations.size,
    );
    assert.equal(peers, 0, "the stayer holds no connection to the page that left");
    const events = await churner.page.evaluate(
      () => (window as unknown as { p2pEvents: string[] }).p2pEvents,
    );
    assert.deepEqual(
      events.filter((e) => e.startsWith("p2p:room-error")),
      [],
      "leaving while entering is not an error",
    );
    noErrors([stayer, churner]);
  });

  test("removes a leaving page's element at the others within 3 s, by the Leave button or closing the tab", async (t) => {
    const members = await playingRoom(t, ["ann", "bob", "cid", "dan"]);
    const leaver = members.shift()!;
    await leaver.page.click("text=Leave");
    const leftAt = Date.now();
    const afterLeave = await goneAtAll(members, leaver.clientId, leftAt);
    console.log(`room: the others removed the element of a page that left ${afterLeave} ms after Leave`);
    assert.ok(afterLeave <= GONE_BOUND_MS, `removed after ${afterLeave} ms (bound ${GONE_BOUND_MS} ms)`);
    await leaver.context.close();
    const closer = members.shift()!;
    await closer.context.close();
    const closedAt = Date.now();
    const afterClose = await goneAtAll(members, closer.clientId, closedAt);
    console.log(`room: the others removed the element of a closed tab ${afterClose} ms after it closed`);
    assert.ok(afterClose <= GONE_BOUND_MS, `removed after ${afterClose} ms (bound ${GONE_BOUND_MS} ms)`);
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    for (const member of members) {
      const peers = await member.page.evaluate(() => [
        ...(window as unknown as { room: { negotiations: Map<string, unknown> } }).room.negotiations.keys(),
      ]);
      assert.deepEqual(peers, others(members, member), "the departed peers' connections are torn down");
    }
    noErrors(members);
  });

  test("shares the screen by replacing the video track, and mutes and turns the camera off", async (t) => {
    const [one, two] = (await playingRoom(t, ["ann", "bob"])) as [Member, Member];
    const remoteWidth = ({ id, width }: { id: string; width: number }) => {
      const video = document.querySelector<HTMLVideoElement>(`#medium_${id} video`);
      return video !== null && video.videoWidth === width;
    };
    await one.page.click("text=Share screen");
    await waitInPage(two.page, "the shared screen (1280 wide) in place of the camera", remoteWidth, {
      id: one.clientId,
      width: 1280,
    });
    const senders = await one.page.evaluate(() => {
      const room = (
        window as unknown as { room: { negotiations: Map<string, { peerConnection: RTCPeerConnection }> } }
      ).room;
      return [...room.negotiations.values()].map((n) =>
        n.peerConnection.getSenders().map((s) => s.track?.label ?? ""),
      );
    });
    assert.ok(
      senders.every((labels) => labels.some((label) => label.startsWith("screen:"))),
      JSON.stringify(senders),
    );
    await one.page.click("text=Share screen");
    await waitInPage(two.page, "the camera (640 wide) back", remoteWidth, { id: one.clientId, width: 640 });
    await one.page.click("text=Mute");
    await one.page.click("text=Camera off");
    const state = await one.page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>("video.local")!;
      const stream = video.srcObject as MediaStream;
      return {
        audio: stream.getAudioTracks().map((t) => t.enabled),
        video: stream.getVideoTracks().map((t) => t.enabled),
        pressed: [...document.querySelectorAll("[aria-pressed='true']")].map((b) => b.textContent),
      };
    });
    assert.deepEqual(state, { audio: [false], video: [false], pressed: ["Mute", "Camera off"] });
    await one.page.click("text=Mute");
    await one.page.click("text=Camera off");
    noErrors([one, two]);
  });

  test("converges after a forced glare: both pages renegotiate at the same moment", async (t) => {
    const [one, two] = (await playingRoom(t, ["ann", "bob"])) as [Member, Member];
    const prepare = (member: Member, otherId: string) =>
      member.page.evaluate((otherId) => {
        type Negotiation = {
          receive(signal: unknown): Promise<void>;
          peerConnection: RTCPeerConnection;
          on(event: string, listener: (detail: { ignored: boolean }) => void): () => void;
        };
        const w = window as unknown as Record<string, unknown> & {
          room: { negotiations: Map<string, Negotiation> };
        };
        const negotiation = w.room.negotiations.get(otherId)!;
        const receive = negotiation.receive.bind(negotiation);
        const held: Array<{ description?: { type: string } }> = [];
        const collisions: boolean[] = [];
        negotiation.on("collision", ({ ignored }) => collisions.push(ignored));
        let holding = true;
        negotiation.receive = (signal) => {
          if (!holding) return receive(signal);
          held.push(signal as never);
          return Promise.resolve();
        };
        w.glare = {
          held,
          collisions,
          release: () => {
            holding = false;
            for (const signal of held.splice(0)) void receive(signal);
          },
          pc: negotiation.peerConnection,
          channel: null as RTCDataChannel | null,
          remote: null as RTCDataChannel | null,
        };
        negotiation.peerConnection.addEventListener("datachannel", ({ channel }) => {
          (w.glare as { remote: RTCDataChannel }).remote = channel;
        });
      }, otherId);
    await prepare(one, two.clientId);
    await prepare(two, one.clientId);
    const renegotiate = (member: Member) =>
      member.page.evaluate(() => {
        const glare = (window as unknown as { glare: { pc: RTCPeerConnection; channel: RTCDataChannel } })
          .glare;
        glare.channel = glare.pc.createDataChannel("glare");
      });
    await Promise.all([renegotiate(one), renegotiate(two)]);
    for (const member of [one, two]) {
      await waitInPage(member.page, "an own offer out and the other's offer held", () => {
        const glare = (
          window as unknown as {
            glare: { pc: RTCPeerConnection; held: Array<{ description?: { type: string } }> };
          }
        ).glare;
        return (
          glare.pc.signalingState === "have-local-offer" &&
          glare.held.some((s) => s.description?.type === "offer")
        );
      });
    }
    await Promise.all(
      [one, two].map((m) =>
        m.page.evaluate(() => (window as unknown as { glare: { release(): void } }).glare.release()),
      ),
    );
    for (const member of [one, two]) {
      await waitInPage(member.page, "stable signaling and both glare data channels open", () => {
        const glare = (
          window as unknown as {
            glare: { pc: RTCPeerConnection; channel: RTCDataChannel; remote: RTCDataChannel | null };
          }
        ).glare;
        return (
          glare.pc.signalingState === "stable" &&
          glare.channel.readyState === "open" &&
          glare.remote?.readyState === "open"
        );
      });
    }
    const collisions = await Promise.all(
      [one, two].map((m) =>
        m.page.evaluate(() => (window as unknown as { glare: { collisions: boolean[] } }).glare.collisions),
      ),
    );
    assert.deepEqual(
      collisions.flat().sort(),
      [false, true],
      "one side ignored the other's offer, the other rolled back",
    );
    await Promise.all([one, two].map((m) => playing(m, others([one, two], m))));
    noErrors([one, two]);
  });
});
