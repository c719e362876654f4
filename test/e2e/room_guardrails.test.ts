import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, type TestContext, test } from "node:test";
import { waitInPage } from "../support/browser.js";
import { demoInBrowser } from "../support/demo_browser.js";
import { enter, type Member, openMember, others, playing } from "../support/room_pages.js";

// The size guardrails of a mesh room (issue #18), in Chromium through the demo: the hard member
// cap, and the video caps above a size. A cap of 2 and caps above 2 members keep each test to 3
// pages; the defaults (8, above 4) are the same code with other numbers (test/unit/room.test.ts).
// Run `npm run build` first, and this file through ../shared/tools/netns-run.

const MAX_MEMBERS = 2;
const CAP_ABOVE = 2;
const UPLINK_BPS = 3_000_000;

/** Opens `labels`' pages in one fresh room of `demo`, each closed when the test ends. */
async function openRoom(t: TestContext, demo: ReturnType<typeof demoInBrowser>, labels: string[]) {
  const url = `${demo.base}/rooms/${randomUUID()}`;
  const members: Member[] = [];
  t.after(() => Promise.all(members.map((m) => m.context.close())));
  for (const label of labels) members.push(await openMember(demo.browser, url, label));
  return members;
}

describe("mesh room guardrails: the member cap", () => {
  const demo = demoInBrowser({ roomMaxMembers: MAX_MEMBERS });

  test("refuses the member over the cap with room_full, shows why, and leaves the others undisturbed", async (t) => {
    const [ann, bob, cid] = (await openRoom(t, demo, ["ann", "bob", "cid"])) as [Member, Member, Member];
    await Promise.all([enter(ann), enter(bob)]);
    await Promise.all([ann, bob].map((m) => playing(m, others([ann, bob], m))));
    await waitInPage(cid.page, "its turbo stream sources connected", () =>
      [...document.querySelectorAll("turbo-cable-stream-source")].every((s) => s.hasAttribute("connected")),
    );
    await cid.page.evaluate(() => {
      const w = window as unknown as { refusals: string[] };
      w.refusals = [];
      document.addEventListener("p2p:room-error", (event) => {
        w.refusals.push((event as CustomEvent<{ reason: string }>).detail.reason);
      });
    });
    await cid.page.click("[data-room-target='enter']");
    await waitInPage(
      cid.page,
      "p2p:room-error",
      () => (window as unknown as { refusals: string[] }).refusals.length > 0,
    );
    assert.deepEqual(await cid.page.evaluate(() => (window as unknown as { refusals: string[] }).refusals), [
      "room_full",
    ]);
    const refused = await cid.page.evaluate(() => {
      const error = document.querySelector<HTMLElement>("[data-room-target='error']")!;
      return {
        shown: error.hidden ? null : error.textContent,
        state: document.querySelector<HTMLElement>("#room")!.dataset.roomState,
        enter: !document.querySelector<HTMLButtonElement>("[data-room-target='enter']")!.hidden,
        local: document.querySelector<HTMLVideoElement>("video.local")!.srcObject,
        tiles: document.querySelectorAll("#media [id^='medium_']").length,
      };
    });
    assert.deepEqual(refused, {
      shown: `Room is full: ${MAX_MEMBERS} members at most`,
      state: "idle",
      enter: true,
      local: null,
      tiles: 0,
    });
    assert.ok(
      cid.errors.length === 1 && cid.errors[0]!.includes("room failed"),
      `the refusal is the one error line of the refused page: ${cid.errors.join(" | ")}`,
    );
    // The members in the room saw nothing of it, and a place frees when one leaves.
    for (const member of [ann, bob]) {
      const tiles = await member.page.evaluate(() =>
        [...document.querySelectorAll("#media [id^='medium_']")].map((e) => e.id),
      );
      assert.deepEqual(
        tiles,
        others([ann, bob], member).map((id) => `medium_${id}`),
      );
    }
    await bob.page.click("text=Leave");
    await cid.page.click("[data-room-target='enter']");
    await Promise.all([ann, cid].map((m) => playing(m, others([ann, cid], m))));
    assert.deepEqual([...ann.errors, ...bob.errors], []);
  });
});

describe("mesh room guardrails: video caps", () => {
  const demo = demoInBrowser({ roomVideoCaps: { capAbove: CAP_ABOVE, videoUplinkBps: UPLINK_BPS } });

  /** Every video sender's first encoding on `member`'s links, read back with getParameters(). */
  const encodings = (member: Member) =>
    member.page.evaluate(() => {
      const room = (
        window as unknown as { room: { negotiations: Map<string, { peerConnection: RTCPeerConnection }> } }
      ).room;
      return [...room.negotiations.values()].map((negotiation) => {
        const sender = negotiation.peerConnection.getSenders().find((s) => s.track?.kind === "video")!;
        const { maxBitrate, scaleResolutionDownBy } = sender.getParameters().encodings[0]!;
        return { maxBitrate, scaleResolutionDownBy };
      });
    });

  test("caps every video sender once the room is above the threshold, and lifts the caps when it shrinks", async (t) => {
    const members = await openRoom(t, demo, ["ann", "bob", "cid"]);
    const [ann, bob] = members as [Member, Member];
    await Promise.all([enter(ann), enter(bob)]);
    await Promise.all([ann, bob].map((m) => playing(m, others([ann, bob], m))));
    const uncapped = await encodings(ann);
    assert.equal(uncapped[0]?.maxBitrate, undefined, `2 members: uncapped (${JSON.stringify(uncapped)})`);
    await enter(members[2]!);
    await Promise.all(members.map((m) => playing(m, others(members, m))));
    const capped = { maxBitrate: UPLINK_BPS / 2, scaleResolutionDownBy: 2 };
    for (const member of members) {
      await waitInPage(
        member.page,
        "every video sender capped",
        (want) => {
          const room = (
            window as unknown as {
              room: { negotiations: Map<string, { peerConnection: RTCPeerConnection }> };
            }
          ).room;
          return [...room.negotiations.values()].every((n) => {
            const sender = n.peerConnection.getSenders().find((s) => s.track?.kind === "video");
            return sender?.getParameters().encodings[0]?.maxBitrate === want;
          });
        },
        capped.maxBitrate,
      );
      assert.deepEqual(await encodings(member), [capped, capped], "3 members: 2 uplinks share the budget");
    }
    // The sent video is the scaled-down one: the others decode 320x240 from a 640x480 camera.
    await waitInPage(
      members[1]!.page,
      "ann's video at 320 wide",
      (id) => document.querySelector<HTMLVideoElement>(`#medium_${id} video`)?.videoWidth === 320,
      ann.clientId,
    );
    await members[2]!.page.click("text=Leave");
    await waitInPage(ann.page, "the caps lifted", () => {
      const room = (
        window as unknown as { room: { negotiations: Map<string, { peerConnection: RTCPeerConnection }> } }
      ).room;
      return [...room.negotiations.values()].every((n) => {
        const sender = n.peerConnection.getSenders().find((s) => s.track?.kind === "video");
        const encoding = sender?.getParameters().encodings[0];
        return encoding?.maxBitrate === undefined && encoding?.scaleResolutionDownBy === 1;
      });
    });
    assert.deepEqual(
      members.flatMap((m) => m.errors),
      [],
    );
  });
});
