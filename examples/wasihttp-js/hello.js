// hello.js -- a wasi:http/proxy component in JavaScript, fetch-event style
// (componentize-js; built by mk/http-guests.mk, served by `hive serve`).
//   /        "hello from js #N" (N: requests this instance served)
//   /echo    the request body back, its method in x-method
//   /status  418 with a header of the guest's
//   /fetch   fetch() of http://X-UPSTREAM/PATH (request headers x-upstream,
//            x-upstream-path): "upstream STATUS: BODY" (an outgoing request)
let served = 0;

addEventListener("fetch", (event) =>
  event.respondWith(
    (async () => {
      served++;
      const url = new URL(event.request.url);
      if (url.pathname === "/echo") {
        const body = new Uint8Array(await event.request.arrayBuffer());
        return new Response(body, {
          headers: { "content-type": "application/octet-stream", "x-method": event.request.method },
        });
      }
      if (url.pathname === "/fetch") {
        const up = event.request.headers.get("x-upstream");
        const path = event.request.headers.get("x-upstream-path") || "/";
        try {
          const r = await fetch(`http://${up}${path}`, { headers: { "x-via": "hive-js" } });
          const text = await r.text();
          return new Response(`upstream ${r.status}: ${text}`, {
            headers: { "x-upstream-header": r.headers.get("x-upstream") || "none" },
          });
        } catch (e) {
          return new Response(`fetch failed: ${e}\n`, { status: 502 });
        }
      }
      if (url.pathname === "/status") {
        return new Response("short and stout\n", { status: 418, headers: { "x-teapot": "yes" } });
      }
      return new Response(`hello from js #${served}\n`, {
        headers: { "content-type": "text/plain" },
      });
    })(),
  ),
);
