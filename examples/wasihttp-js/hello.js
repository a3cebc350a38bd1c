// hello.js -- a wasi:http/proxy component in JavaScript, fetch-event style
// (componentize-js; built by mk/http-guests.mk, served by `hive serve`).
//   /        "hello from js #N" (N: requests this instance served)
//   /echo    the request body back, its method in x-method
//   /status  418 with a header of the guest's
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
      if (url.pathname === "/status") {
        return new Response("short and stout\n", { status: 418, headers: { "x-teapot": "yes" } });
      }
      return new Response(`hello from js #${served}\n`, {
        headers: { "content-type": "text/plain" },
      });
    })(),
  ),
);
