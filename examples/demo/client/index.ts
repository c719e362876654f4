// The demo's page script: Turbo (with its cable stream source element), Stimulus, and the
// controllers of the chat and room pages.
import "@hotwired/turbo-rails";
import { Application } from "@hotwired/stimulus";
import { MediumController } from "../../../src/stimulus/medium_controller.js";
import { RoomController } from "../../../src/stimulus/room_controller.js";
import { ChatController } from "./chat_controller.js";

const application = Application.start();
// Controllers register here, one line each.
application.register("room", RoomController);
application.register("chat", ChatController);
application.register("medium", MediumController);
void application;
