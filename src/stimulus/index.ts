// Public API of `p2p-streams-channel/stimulus` (browser). Every export is named here, one by one.
export {};
