// Preloaded into a server under load (`node --import ./bench/lib/loop-probe.mjs …`): records, per
// 100 ms slice, the event loop's worst delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution),
// each GC pause (kind, ms) and the process's CPU, each request's time in the server and each
// keep-alive socket's idle gap between requests (flat [at, ms, at, ms, …] arrays), and writes them as JSON to $LOOP_PROBE_OUT at
// exit (SIGTERM included). bench/wrk.ts `--probe` reads the file and prints where the stalls were.
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import http from 'node:http';

const out = process.env.LOOP_PROBE_OUT;
if (out) {
  const t0 = -performance.timeOrigin; // `at` is wall-clock ms (Date.now()), to match a load's cells
  const slices = [];
  const gcs = [];
  const kinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: Math.round(e.startTime - t0), ms: Math.round(e.duration * 100) / 100, kind: kinds[e.detail?.kind] ?? String(e.detail?.kind) });
  }).observe({ entryTypes: ['gc'] });
  // Each request's time inside the server (the 'request' event to the response's 'finish'), and
  // each keep-alive socket's gap from one response's 'finish' to its next request: a stall the
  // client sees that is in neither is outside the process (the kernel, the client, the scheduler).
  const inServer = [];
  const gaps = [];
  const lastFinish = new WeakMap();
  /** [at, ms, …]: a new connection's 'connection' event (at, to 0.01 ms) and its time to its first request. */
  const firsts = [];
  const connectedAt = new WeakMap();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === 'connection') connectedAt.set(req, performance.now());
    if (event === 'request') {
      const t = performance.now();
      const sock = req.socket;
      const prev = lastFinish.get(sock);
      if (prev !== undefined) gaps.push(Math.round(t - t0), Math.round((t - prev) * 100) / 100);
      else if (connectedAt.has(sock)) firsts.push(Math.round((connectedAt.get(sock) - t0) * 100) / 100, Math.round((t - connectedAt.get(sock)) * 100) / 100);
      res.once('finish', () => {
        const e = performance.now();
        inServer.push(Math.round(e - t0), Math.round((e - t) * 100) / 100);
        lastFinish.set(sock, e);
      });
    }
    return emit.apply(this, arguments);
  };
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let cpu = process.cpuUsage();
  const tick = setInterval(() => {
    const c = process.cpuUsage();
    slices.push({ at: Math.round(performance.now() - t0), maxDelayMs: Math.round(h.max / 1e4) / 100, p99DelayMs: Math.round(h.percentile(99) / 1e4) / 100, cpuMs: Math.round((c.user + c.system - cpu.user - cpu.system) / 1000) });
    cpu = c;
    h.reset();
  }, 100);
  tick.unref();
  const dump = () => writeFileSync(out, JSON.stringify({ slices, gcs, inServer, gaps, firsts }));
  process.on('exit', dump);
  // Trent's own SIGTERM handler closes the server and exits, which runs the exit hook above.
}
