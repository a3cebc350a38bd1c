// A wasi:http/service@0.3.0 handler in JavaScript (componentize-qjs):
// every request is an async task of one instance, so a request that
// awaits a timer lets the instance serve the others meanwhile.
//
//   GET  /                 "hello from js\n"
//   GET  /wait?ms=N        awaits a timer of N ms, then answers
//   GET  /stream?n=N&ms=M  answers at once, then writes N lines, one
//                          every M ms (the body goes on after handle returns);
//                          each tells the /hang counts below
//   POST /echo             the request body back
//   POST /trailers         reads the body and its trailers, answers how
//                          many of each, and sends the trailers back as
//                          the response's (named x-echo-NAME)
//   GET  /headers          the x-echo request header back as x-echoed
//   GET  /trap?ms=N        throws (after N ms): the instance traps
//   GET  /hang             waits (an hour) until cancelled
//   GET  /tasks            how many /hang tasks wait now and have ended
//   GET  /compute?ms=N     computes for N ms without awaiting, then answers
//   anything else          404
import clock from "wasi:clocks/monotonic-clock@0.3.0";
import { Fields, Request, Response } from "wasi:http/types@0.3.0";

function bytes(s) {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

function text(b) {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

let hanging = 0, ended = 0; // /hang tasks waiting now, and ended

const sleep = (ms) => clock.waitFor(ms * 1000000);

// A response whose body is written by fill(writable) (awaited in the
// background: the handler returns first).
function respond(status, type, fill) {
  const headers = Fields.fromList([["content-type", bytes(type)]]);
  const body = wit.Stream(wit.Stream.U8);
  const trailers = wit.Future(wit.Future.RESULT_OPTION_OTHER_ERROR_CODE);
  const [response] = Response.new(headers, body.readable, trailers.readable);
  response.setStatusCode(status);
  (async () => {
    try {
      await fill(body.writable);
    } finally {
      body.writable.drop();
      await trailers.writable.write({ tag: "ok", val: null });
    }
  })();
  return response;
}

const say = (status, s) => respond(status, "text/plain", (w) => w.writeAll(bytes(s)));

function query(pq, name, dflt) {
  const m = new RegExp("[?&]" + name + "=([0-9]+)").exec(pq);
  return m ? Number(m[1]) : dflt;
}

export const handler = {
  async handle(request) {
    const pq = request.getPathWithQuery() ?? "/";
    const path = pq.split("?")[0];
    const method = request.getMethod().tag;
    if (path === "/" && method === "get") return say(200, "hello from js\n");
    if (path === "/wait") {
      const ms = query(pq, "ms", 200);
      await sleep(ms);
      return say(200, `waited ${ms} ms\n`);
    }
    if (path === "/stream") {
      const n = query(pq, "n", 5), ms = query(pq, "ms", 50);
      return respond(200, "text/plain", async (w) => {
        for (let i = 0; i < n; i++) {
          if (i) await sleep(ms);
          await w.writeAll(bytes(`line ${i} (hanging ${hanging} ended ${ended})\n`));
        }
      });
    }
    if (path === "/echo" && method === "post") {
      const [body] = Request.consumeBody(request, wit.Future(wit.Future.RESULT_VOID_ERROR_CODE).readable);
      return respond(200, "application/octet-stream", async (w) => {
        for await (const chunk of body) await w.writeAll(chunk);
      });
    }
    if (path === "/trailers" && method === "post") {
      const [body, reqTrailers] = Request.consumeBody(request, wit.Future(wit.Future.RESULT_VOID_ERROR_CODE).readable);
      let n = 0;
      for await (const chunk of body) n += chunk.length;
      const t = await reqTrailers.read();
      const got = t.tag === "ok" && t.val ? t.val.copyAll() : [];
      const headers = Fields.fromList([["content-type", bytes("text/plain")]]);
      const out = wit.Stream(wit.Stream.U8);
      const trailers = wit.Future(wit.Future.RESULT_OPTION_OTHER_ERROR_CODE);
      const [response] = Response.new(headers, out.readable, trailers.readable);
      (async () => {
        try {
          await out.writable.writeAll(bytes(`${n} bytes, ${got.length} trailers\n`));
        } finally {
          out.writable.drop();
          await trailers.writable.write({
            tag: "ok",
            val: Fields.fromList(got.map(([k, v]) => ["x-echo-" + k, v])),
          });
        }
      })();
      return response;
    }
    if (path === "/headers") {
      const values = request.getHeaders().get("x-echo");
      const headers = Fields.fromList(values.map((v) => ["x-echoed", v]));
      const trailers = wit.Future(wit.Future.RESULT_OPTION_OTHER_ERROR_CODE);
      const [response] = Response.new(headers, null, trailers.readable);
      trailers.writable.write({ tag: "ok", val: null });
      return response;
    }
    if (path === "/trap") {
      const ms = query(pq, "ms", 0);
      if (ms) await sleep(ms);
      throw new Error("a trap on purpose");
    }
    if (path === "/hang") {
      // waits until cancelled (a deadline, the client going away)
      hanging++;
      try {
        await sleep(3600 * 1000);
      } finally {
        hanging--;
        ended++;
      }
      return say(200, "woke up\n");
    }
    if (path === "/compute") {
      // computes (no await) for about N ms
      const ms = query(pq, "ms", 1000);
      const end = Date.now() + ms;
      let n = 0;
      while (Date.now() < end) n++;
      return say(200, `computed ${ms} ms\n`);
    }
    if (path === "/tasks") return say(200, `hanging ${hanging} ended ${ended}\n`);
    return say(404, "not found\n");
  },
};
