// The keep-alive HTTP server of the throughput benchmark, run in its own process (child_process.fork)
// so that its work is not counted in the client's. It answers GET /v1/sandbox/{id} and the create
// POST /v1/sandbox/run (with the status record embedded, as the stub does) after reading the body.
import http from "node:http";
import { CREATE_JSON, GET_JSON, jsonHeaders } from "./fixtures.mjs";

const getHeaders = jsonHeaders(GET_JSON);
const createHeaders = jsonHeaders(CREATE_JSON);

const server = http.createServer((req, res) => {
  if (req.method === "POST") {
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(201, createHeaders);
      res.end(CREATE_JSON);
    });
    return;
  }
  res.writeHead(200, getHeaders);
  res.end(GET_JSON);
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("disconnect", () => server.close(() => process.exit(0)));
server.on("close", () => process.exit(0));
