import { type Route, sendJson } from "../router.js";

export const healthRoutes: Route[] = [
  {
    method: "GET",
    path: "/health",
    handle(_request, response, _params, context) {
      sendJson(response, { status: "ok", ...context.cable.stats() });
    },
  },
];
