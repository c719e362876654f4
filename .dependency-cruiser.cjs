// The layers of src/ (docs/architecture.md, "Layers"), checked by `npm run lint` (`lint:deps`).
// Every folder of src/ is a layer and imports only the layers below it:
//
//   browser                               server (Node.js)
//   demo/client                           cli
//   browser (the /browser bundle entry)   demo (the app `p2p-streams-channel demo` serves)
//   stimulus                              server (the /server entry, adapters, metrics, loggers)
//   client, testing                       channels
//   node (the /node entry: client code in Node, used by the cli's `join`)
//                                         html
//                                         identity
//                                         cable
//                                         pubsub, store
//                                         redis
//   ───────────── protocol (shared by both sides) ─────────────
//
// A rule names what a folder may import; anything else in src/ is an error whose message is the
// rule's comment. Type-only imports count: a type is a dependency too.

/** Forbids `from` any file of src/ that `allowed` does not match (a folder list, or a regex). */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from },
    to: { path: "^src/", pathNot: allowed },
  };
}

// Browser code runs in a page: the node: modules and server packages are not there.
const BROWSER = "^src/(protocol|client|testing|stimulus|browser|demo/client)/";
// npm packages meant for the page: the Action Cable client, Turbo, Stimulus, AnyCable's client.
const BROWSER_PACKAGES =
  "node_modules/(@rails/actioncable|@types/rails__actioncable|@hotwired/[^/]+|@anycable/[^/]+)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "Files of src/ import each other in a loop. Move what both need into a file (or a folder) " +
        "below them, or pass it in (an interface the lower file owns), so that imports point one way.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "src-stands-alone",
      comment:
        "src/ is the package: it never imports tests, benchmarks, examples or scripts (they import src/).",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench|examples|scripts|docs)/" },
    },
    {
      name: "not-to-unresolvable",
      comment:
        "This import names a module that cannot be found: a typo, or a package missing from package.json.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },

    // ── the shared layer ──────────────────────────────────────────────────────
    {
      name: "protocol-imports-nothing",
      comment:
        "src/protocol/ is shared by the browser and the server (wire message types, reasons and " +
        "P2pError, the Logger interface, the Emitter): it imports nothing but itself, no package and " +
        "no node: module, so both sides can take it whole.",
      severity: "error",
      from: { path: "^src/protocol/" },
      to: { pathNot: "^src/protocol/" },
    },

    // ── browser ───────────────────────────────────────────────────────────────
    layer(
      "client-imports-only-protocol",
      "^src/client/",
      "^src/(protocol|client)/",
      "src/client/ is browser code: it imports only src/protocol/ and itself, never a server folder " +
        "(cable, pubsub, store, redis, identity, html, channels, server, demo, cli).",
    ),
    layer(
      "testing-doubles-only-client",
      "^src/testing/",
      "^src/(protocol|client|testing)/",
      "src/testing/ holds doubles of what the browser code talks to (consumer, peer connection, clock, " +
        "logger): it imports only src/protocol/, src/client/ and itself.",
    ),
    layer(
      "stimulus-imports-only-client",
      "^src/stimulus/",
      "^src/(protocol|client|stimulus)/",
      "src/stimulus/ is a thin browser adapter over src/client/: it imports only src/protocol/, " +
        "src/client/ and itself.",
    ),
    layer(
      "browser-entry-imports-only-client",
      "^src/browser/",
      "^src/(client|browser)/",
      "src/browser/ is the script-tag bundle of the /client entry: it imports src/client/ only.",
    ),
    layer(
      "demo-client-imports-only-browser-code",
      "^src/demo/client/",
      "^src/(protocol|client|stimulus|demo/client)/",
      "src/demo/client/ is the demo's page script: it imports only browser code (src/protocol/, " +
        "src/client/, src/stimulus/), never the demo's server side.",
    ),
    {
      name: "browser-code-has-no-node-modules",
      comment:
        "Browser code (protocol, client, testing, stimulus, browser, demo/client) runs in a page: " +
        "node: modules do not exist there.",
      severity: "error",
      from: { path: BROWSER },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "browser-code-uses-browser-packages",
      comment:
        "Browser code (protocol, client, testing, stimulus, browser, demo/client) imports only packages " +
        "made for the page: @rails/actioncable, @hotwired/*, @anycable/*.",
      severity: "error",
      from: { path: BROWSER },
      to: { dependencyTypesNot: ["core", "local"], pathNot: BROWSER_PACKAGES },
    },

    // ── server ────────────────────────────────────────────────────────────────
    layer(
      "redis-imports-only-protocol",
      "^src/redis/",
      "^src/(protocol|redis)/",
      "src/redis/ is the shared Redis connection (fail-fast settings, readiness, errors): it imports " +
        "only src/protocol/, so that src/pubsub/ and src/store/ can both use it.",
    ),
    layer(
      "pubsub-imports-only-redis",
      "^src/pubsub/",
      "^src/(protocol|redis|pubsub)/",
      "src/pubsub/ moves broadcasts between processes: it imports only src/protocol/, src/redis/ " +
        "and itself, nothing of the cable or the store.",
    ),
    layer(
      "store-imports-only-redis",
      "^src/store/",
      "^src/(protocol|redis|store)/",
      "src/store/ keeps session state: it imports only src/protocol/, src/redis/ and itself, nothing " +
        "of the cable or the pub/sub.",
    ),
    layer(
      "cable-imports-only-pubsub",
      "^src/cable/",
      "^src/(protocol|cable)/|^src/pubsub/(adapter|memory)\\.ts$",
      "src/cable/ is the Action Cable protocol server and knows nothing of WebRTC: it imports only " +
        "src/protocol/, itself, and the PubSub interface with its in-memory default (src/pubsub/adapter.ts, memory.ts).",
    ),
    layer(
      "identity-imports-only-signer",
      "^src/identity/",
      "^src/(protocol|identity)/|^src/cable/signer\\.ts$",
      "src/identity/ signs and reads session and room tokens and names their streams: it imports " +
        "only src/protocol/, itself and the cable's Signer (src/cable/signer.ts).",
    ),
    layer(
      "html-imports-only-identity",
      "^src/html/",
      "^src/(protocol|identity|html)/|^src/cable/signer\\.ts$",
      "src/html/ renders tags (escaping, <p2p-frame>, Turbo streams): it imports only src/protocol/, " +
        "src/identity/, itself and the cable's Signer, never src/channels/ (channels use html, not the reverse).",
    ),
    layer(
      "channels-import-only-lower-layers",
      "^src/channels/",
      "^src/(protocol|cable|pubsub|store|html|identity|channels)/",
      "src/channels/ is the signaling logic, written against src/cable/, src/pubsub/, src/store/, " +
        "src/html/, src/identity/ and src/protocol/ only: never the /server entry, the demo or the CLI.",
    ),
    layer(
      "server-imports-no-app",
      "^src/server/",
      "^src/(protocol|redis|pubsub|store|cable|identity|html|channels|server)/",
      "src/server/ (the /server entry and its helpers) sits on every server layer, below the demo and " +
        "the CLI and apart from browser code: it never imports src/demo/, src/cli/ or a browser folder.",
    ),
    {
      name: "demo-server-imports-no-cli-or-browser",
      comment:
        "src/demo/ (its server side) is an app on the /server layers: it never imports src/cli/ or " +
        "browser code (its page script is bundled into dist/browser and served as a file).",
      severity: "error",
      from: { path: "^src/demo/", pathNot: "^src/demo/client/" },
      to: { path: "^src/(cli|client|testing|stimulus|browser|demo/client)/" },
    },
    layer(
      "cli-imports-no-browser-code",
      "^src/cli/",
      "^src/(protocol|redis|pubsub|store|cable|identity|html|channels|server|node|cli)/|^src/demo/(?!client/)",
      "src/cli/ sits on top of the server side: it imports the server layers, the demo app and the " +
        "/node entry (for `join`), never browser code directly.",
    ),

    // ── node peers ────────────────────────────────────────────────────────────
    layer(
      "node-peer-imports-only-client",
      "^src/node/",
      "^src/(protocol|client|node)/",
      "src/node/ (the /node entry) runs the browser's session client in Node on ws and a WebRTC " +
        "module: it imports only src/protocol/, src/client/ and itself, never a server folder.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
