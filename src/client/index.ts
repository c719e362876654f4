// Public API of `p2p-streams-channel/client` (browser). Every export is named here, one by one.
export {};
