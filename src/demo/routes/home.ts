import { html } from "../../html/html.js";
import { type Route, sendHtml } from "../router.js";
import { layout } from "../views/layout.js";

export const homeRoutes: Route[] = [
  {
    method: "GET",
    path: "/",
    handle(_request, response) {
      sendHtml(
        response,
        layout({
          title: "Demo",
          body: html`<h1>p2p-streams-channel demo</h1>
<ul>
  <li><a href="/chat?name=ann">One-to-many chat session</a> (open it again as <a href="/chat?name=bob">bob</a>)</li>
  <li><a href="/rooms/new">Mesh video room</a></li>
  <li><a href="/health">Health</a> and <a href="/metrics">metrics</a></li>
</ul>`,
        }),
      );
    },
  },
];
