import { metricsHandler } from "../../server/cable_metrics.js";
import type { Route } from "../router.js";

/** `GET /metrics`: the cable's Prometheus metrics (connections, subscriptions, sessions, rooms, …). */
export const metricsRoutes: Route[] = [
  {
    method: "GET",
    path: "/metrics",
    handle(request, response, _params, context) {
      metricsHandler(context.metrics.registry)(request, response);
    },
  },
];
