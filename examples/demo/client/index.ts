// The demo's page script: Turbo (with its cable stream source element), Stimulus, and the
// controllers of the chat and room pages.
import "@hotwired/turbo-rails";
import { Application } from "@hotwired/stimulus";

const application = Application.start();
// Controllers register here, one line each.
void application;
