#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Browser test of the dashboard on a synthetic history of 300 benchmarks
x 200 runs (make_fixture.py --synthetic), opened in headless Chromium
driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
NUL-terminated JSON on fds 3 and 4), so it needs nothing beyond python3
and Debian's chromium.

Asserts: the page stays under 5 MB; it loads with no console error, no
uncaught exception and no request other than file:/data:/about:; every
chart (time and simulated counters, all families expanded) has an SVG of
non-zero size with one drawn line of non-zero length per legend entry;
every benchmark of the history is in exactly one time chart; the table
of changes holds exactly the planted ones; the filter box hides the
charts and families that do not match and shows them all again when
cleared; with every family collapsed, each change's link opens its
family and scrolls its chart into view.  Reports (not asserted) the time
from navigation to the first frame after load, and writes a screenshot
of the top of the page to LOG_DIR/dashboard.png.
Exits 77 (meson: SKIP) with how to enable it when chromium is missing.
usage: browser.py SCRIPTS_DIR LOG_DIR [RUNS]"""

import base64
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
failures = []


def check(cond, what, got, want):
    if not cond:
        failures.append("%s: got %r, want %r" % (what, got, want))
        print("FAIL %s\n  got:  %r\n  want: %r" % (what, got, want))


def skip(why, how):
    print("SKIP: %s; to run this test: %s" % (why, how))
    sys.exit(SKIP)


class Cdp:
    def __init__(self, exe, profile):
        to_child_r, self.to_child_w = os.pipe()
        self.from_child_r, from_child_w = os.pipe()

        def fds():
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--user-data-dir=" + profile,
                "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        os.close(to_child_r)
        os.close(from_child_w)
        self.q = queue.Queue()
        self.events = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        self.stderr = self.proc.stderr.read()

    def _read(self):
        buf = b""
        while True:
            d = os.read(self.from_child_r, 65536)
            if not d:
                self.q.put(None)
                return
            buf += d
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self.q.put(json.loads(msg))

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        m = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.to_child_w, json.dumps(m).encode() + b"\0")
        while True:
            r = self.q.get(timeout=timeout)
            if r is None:
                raise RuntimeError("chromium closed the pipe")
            if r.get("id") == self.next_id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            self.events.append(r)

    def wait_event(self, method, timeout=20):
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            r = self.q.get(timeout=timeout)
            if r is None:
                raise RuntimeError("chromium closed the pipe")
            self.events.append(r)
            if r.get("method") == method:
                return r



CHECK = r"""
(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const figs = [...document.querySelectorAll('figure.chart')];
  const charts = figs.map(f => {
    const svg = f.querySelector('svg.plot');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    let drawn = 0;
    if (svg)
      for (const p of svg.querySelectorAll('g.line path.med'))
        if (p.getTotalLength() > 0) drawn++;
    return {id: f.id, sim: f.classList.contains('simchart'),
            names: f.dataset.names.split(' '), width: box.width,
            height: box.height, drawn: drawn,
            legend: f.querySelectorAll('ul.legend li').length};
  });
  const rows = [...document.querySelectorAll(
      '#regressions tbody tr[data-benchmark]')].map(r =>
    [r.dataset.rule, r.dataset.benchmark, r.dataset.verdict,
     r.dataset.metric, r.querySelector('a').getAttribute('href')]);
  return JSON.stringify({title: document.title, charts: charts,
                         regressions: rows});
})()
"""

FILTER = r"""
((q) => {
  const box = document.getElementById('filter');
  box.value = q;
  box.dispatchEvent(new Event('input'));
  const vis = f => f.getClientRects().length > 0 &&
    !f.closest('.hidden');
  const figs = [...document.querySelectorAll('figure.chart:not(.simchart)')];
  const fams = [...document.querySelectorAll('details.family')];
  return JSON.stringify({
    shown: figs.filter(vis).map(f => f.id),
    shownNames: figs.filter(vis).map(f => f.dataset.names),
    families: fams.filter(d => !d.classList.contains('hidden'))
                  .map(d => d.id)});
})
"""

JUMP = r"""
((href) => new Promise(done => {
  document.getElementById('collapse').click();
  window.scrollTo(0, 0);
  const a = [...document.querySelectorAll('#regressions a')]
    .find(a => a.getAttribute('href') === href);
  a.click();
  setTimeout(() => {
    const t = document.getElementById(href.slice(1));
    const r = t.getBoundingClientRect();
    const closed = [];
    for (let p = t.parentElement; p; p = p.parentElement)
      if (p.tagName === 'DETAILS' && !p.open) closed.push(p.id || p.className);
    done(JSON.stringify({hash: location.hash, top: r.top, height: r.height,
                         inner: window.innerHeight, closed: closed,
                         scrollY: window.scrollY}));
  }, 300);
}))
"""

TIMING = r"""
new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  done(JSON.stringify({load: nav.loadEventEnd, frame: performance.now(),
                       dom: nav.domContentLoadedEventEnd}));
})))
"""


def evaluate(cdp, s, expr, await_promise=False):
    r = cdp.call("Runtime.evaluate", {"expression": expr,
                                      "returnByValue": True,
                                      "awaitPromise": await_promise},
                 session=s)
    if "exceptionDetails" in r:
        raise RuntimeError("page script failed: %r" % r["exceptionDetails"])
    return json.loads(r["result"]["value"])


def main():
    scripts, logdir = sys.argv[1], sys.argv[2]
    nruns = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not exe:
        skip("chromium not found", "apt-get install chromium "
             "(or ./scripts/ci-deps)")
    signal.alarm(170)
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path.insert(0, here)
    sys.path.insert(0, os.path.join(scripts, "pylib"))
    import make_fixture
    with tempfile.TemporaryDirectory(prefix="vmb-browser-") as tmp:
        hist = os.path.join(tmp, "history")
        t0 = time.monotonic()
        names = make_fixture.synthetic(nruns, hist)
        t1 = time.monotonic()
        out = os.path.join(tmp, "dashboard")
        subprocess.run([sys.executable, os.path.join(scripts, "dashboard"),
                        "--history", hist, "-o", out], check=True)
        t2 = time.monotonic()
        page = os.path.join(out, "index.html")
        size = os.path.getsize(page)
        print("history: %d benchmarks x %d runs written in %.1f s; page "
              "rendered in %.1f s, %.2f MB" % (len(names), nruns, t1 - t0,
                                              t2 - t1, size / 1e6))
        check(size < 5e6, "page size", size, "< 5 MB")
        cdp = Cdp(exe, os.path.join(tmp, "profile"))
        try:
            t = cdp.call("Target.createTarget", {"url": "about:blank"})
            s = cdp.call("Target.attachToTarget",
                         {"targetId": t["targetId"],
                          "flatten": True})["sessionId"]
            for m in ("Runtime.enable", "Log.enable", "Page.enable",
                      "Network.enable"):
                cdp.call(m, session=s)
            cdp.call("Emulation.setDeviceMetricsOverride",
                     {"width": 1400, "height": 1100, "deviceScaleFactor": 1,
                      "mobile": False}, session=s)
            cdp.call("Page.navigate", {"url": "file://" + page}, session=s)
            cdp.wait_event("Page.loadEventFired", timeout=60)
            tm = evaluate(cdp, s, TIMING, True)
            print("load: DOMContentLoaded %.0f ms, load event %.0f ms, first "
                  "frame after load %.0f ms (reported, not asserted)" %
                  (tm["dom"], tm["load"], tm["frame"]))
            shot = cdp.call("Page.captureScreenshot", {"format": "png"},
                            session=s)
            os.makedirs(logdir, exist_ok=True)
            png = os.path.join(logdir, "dashboard.png")
            with open(png, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print("screenshot: %s" % png)
            res = evaluate(cdp, s, CHECK)
            filt = {q: evaluate(cdp, s, FILTER + "(%s)" % json.dumps(q))
                    for q in ("augrb", "n:1000000", "no-such-benchmark",
                              "")}
            jumps = {r[4]: evaluate(cdp, s, JUMP + "(%s)" % json.dumps(r[4]),
                                    True) for r in res["regressions"]}
            try:
                cdp.call("Browser.close", timeout=5)
            except (RuntimeError, queue.Empty):
                pass
        finally:
            try:
                cdp.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cdp.proc.kill()
                cdp.proc.wait()
    errors = []
    for e in cdp.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") == "error":
            errors.append("console.error: %r" % p.get("args"))
        elif m == "Runtime.exceptionThrown":
            errors.append("exception: %r" % p.get("exceptionDetails"))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append("log: %s" % p["entry"].get("text"))
        elif m == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith(("file:", "data:", "about:")):
                errors.append("network request: %s" % url)
    check(errors == [], "console errors / network", errors, [])
    check(res["title"] == "vmbench dashboard", "title", res["title"],
          "vmbench dashboard")

    # Every chart drawn; every benchmark in exactly one time chart.
    charts = res["charts"]
    timec = [c for c in charts if not c["sim"]]
    simc = [c for c in charts if c["sim"]]
    check(len(timec) > 0 and len(simc) > 0, "time and sim charts",
          (len(timec), len(simc)), "both > 0")
    for c in charts:
        check(c["width"] > 0 and c["height"] > 0, "size of chart " + c["id"],
              (c["width"], c["height"]), "> 0")
        check(c["drawn"] >= 1 and c["drawn"] == c["legend"],
              "drawn lines of " + c["id"], (c["drawn"], c["legend"]),
              "one per legend entry, at least one")
    where = {}
    for c in timec:
        for n in c["names"]:
            where.setdefault(n, []).append(c["id"])
    bad = [(n, where.get(n)) for n in names if len(where.get(n, [])) != 1]
    check(bad == [], "benchmarks not in exactly one chart", bad[:5], [])
    extra = sorted(set(where) - set(names))
    check(extra == [], "charted names not in the history", extra[:5], [])

    # The table of changes: exactly the planted ones, linking to charts
    # that hold the benchmark.
    got = sorted(tuple(r[:4]) for r in res["regressions"])
    want = sorted(make_fixture.PLANTED)
    check(got == want, "table of changes", got, want)
    ids = {c["id"]: c for c in charts}
    for r in res["regressions"]:
        c = ids.get(r[4][1:])
        check(c is not None and r[1] in c["names"],
              "link of %s %s" % (r[1], r[3]), r[4], "a chart holding it")

    # The filter.
    all_ids = sorted(c["id"] for c in timec)
    for q, f in filt.items():
        want = sorted(c["id"] for c in timec
                      if any(q.lower() in n.lower() for n in c["names"]))
        check(sorted(f["shown"]) == want, "charts shown for filter %r" % q,
              len(f["shown"]), len(want))
        if q == "":
            check(sorted(f["shown"]) == all_ids, "filter cleared: all shown",
                  len(f["shown"]), len(all_ids))
    check(0 < len(filt["augrb"]["shown"]) < len(all_ids),
          "filter 'augrb' hides some and shows some",
          len(filt["augrb"]["shown"]), "between 0 and %d" % len(all_ids))
    check(filt["no-such-benchmark"]["families"] == [],
          "families shown for a filter matching nothing",
          filt["no-such-benchmark"]["families"], [])
    check(len(filt["augrb"]["families"]) < len(filt[""]["families"]),
          "families without augrb hidden", filt["augrb"]["families"],
          "fewer than %d" % len(filt[""]["families"]))

    # Links scroll to their charts, opening collapsed families.
    for href, j in jumps.items():
        check(j["hash"] == href, "location after clicking " + href,
              j["hash"], href)
        check(j["closed"] == [], "collapsed ancestors of " + href,
              j["closed"], [])
        check(j["height"] > 0 and 0 <= j["top"] < j["inner"] and
              j["scrollY"] > 0, "chart %s in view after its link" % href,
              (j["top"], j["height"], j["scrollY"]),
              "0 <= top < %d, scrolled" % j["inner"])
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok: %d time charts, %d simulated-counter charts, %d changes, "
          "filter and links work" % (len(timec), len(simc),
                                     len(res["regressions"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
