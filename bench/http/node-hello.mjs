// node-hello.mjs -- the comparison server of the HTTP benchmark: node's
// own http module answering "hello, world" like examples/wagi/hello.c.
// Listens on 127.0.0.1 at an ephemeral port and prints "listening on PORT".
import http from 'node:http';

const body = 'hello, world\n';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
