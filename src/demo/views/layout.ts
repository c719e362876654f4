import { html, type SafeHtml } from "../../html/html.js";
import { actionCableMetaTag } from "../../html/tags.js";

/** The page shell of every demo page: the cable URL meta tag and the demo bundle. */
export function layout(page: { title: string; body: SafeHtml; head?: SafeHtml }): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · p2p-streams-channel</title>
${actionCableMetaTag("/cable")}
<link rel="stylesheet" href="/assets/demo.css">
<script type="module" src="/assets/demo.js"></script>
${page.head}
</head>
<body>
<header><a href="/">p2p-streams-channel</a></header>
<main>${page.body}</main>
</body>
</html>`;
}
