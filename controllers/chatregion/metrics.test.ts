// Tests of reading a gauge (open connections) from the gateway's Prometheus text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { metricsUrl, parseGauge } from "./metrics.ts";

const cases = [
  {
    name: "sums transports",
    text: '# HELP chat_gateway_connections Open\n# TYPE chat_gateway_connections gauge\nchat_gateway_connections{transport="ws"} 498\nchat_gateway_connections{transport="sse"} 2\n',
    want: 500,
  },
  {
    name: "ignores metrics with the name as prefix",
    text: 'chat_gateway_connections_total 9\nchat_gateway_connections{transport="ws"} 3\n',
    want: 3,
  },
  { name: "absent metric", text: "chat_gateway_feeds 3\n", want: undefined },
  { name: "garbage", text: "\u0000not prometheus{", want: undefined },
  {
    name: "negative or NaN samples ignored",
    text: 'chat_gateway_connections{transport="ws"} NaN\nchat_gateway_connections{transport="sse"} -1\n',
    want: undefined,
  },
];
for (const c of cases)
  test(`parseGauge: ${c.name}`, () => {
    assert.equal(parseGauge(c.text), c.want);
  });

test("parseGauge: another metric by name", () => {
  assert.equal(
    parseGauge(
      'chat_gateway_active_replies 4\nchat_gateway_connections{transport="ws"} 9\n',
      "chat_gateway_active_replies",
    ),
    4,
  );
});

test("metricsUrl: pod IP and gateway port; none without an IP", () => {
  assert.equal(metricsUrl({ status: { podIP: "10.1.2.3" } }), "http://10.1.2.3:8090/metrics");
  assert.equal(metricsUrl({ status: { podIP: "fd00::1" } }), "http://[fd00::1]:8090/metrics");
  assert.equal(metricsUrl({ status: {} }), undefined);
});
