// handler.js -- a wasi:http/proxy component in JavaScript that exports
// wasi:http/incoming-handler itself (the `incomingHandler` style of
// componentize-js): the wasi:http/types resources, used directly.
import {
  Fields,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from "wasi:http/types@0.2.10";

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery() ?? "/";
    const headers = new Fields();
    headers.append("content-type", new TextEncoder().encode("text/plain"));
    const response = new OutgoingResponse(headers);
    response.setStatusCode(200);
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: "ok", val: response });
    const out = body.write();
    out.blockingWriteAndFlush(new TextEncoder().encode(`handled ${path} by incomingHandler\n`));
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};
