// The demo's page script: Turbo (with its cable stream source element), `<p2p-frame>`, Stimulus,
// and the controllers of the chat and room pages. It imports the public entries, as an app would.
import "@hotwired/turbo-rails";
import { Application } from "@hotwired/stimulus";
import { define, type Logger, P2pFrameElement } from "../../client/index.js";
import { MediumController, RoomController } from "../../stimulus/index.js";
import { ChatController } from "./chat_controller.js";

// The library is silent by default; the demo shows warnings and errors in the browser console
// (the browser tests count every console.error line as a failure).
const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, details) => console.warn(`[p2p] ${message}`, details ?? ""),
  error: (message, details) => console.error(`[p2p] ${message}`, details ?? ""),
};
P2pFrameElement.defaults.logger = consoleLogger;
RoomController.defaults.logger = consoleLogger;
define();

const application = Application.start();
// Controllers register here, one line each.
application.register("room", RoomController);
application.register("chat", ChatController);
application.register("medium", MediumController);
void application;
