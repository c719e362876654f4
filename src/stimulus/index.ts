// Public API of `p2p-streams-channel/stimulus` (browser). Every export is named here, one by one.

export { MediumController } from "./medium_controller.js";
export { P2pController } from "./p2p_controller.js";
export { RoomController } from "./room_controller.js";
