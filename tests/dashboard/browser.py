#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Browser test of the dashboard: builds it from the committed fixture
history and opens it in headless Chromium, driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: NUL-terminated JSON on fds
3 and 4), so it needs nothing beyond python3 and Debian's chromium.

Asserts: the page loads with no console error, no uncaught exception and
no request other than file:/data:; every benchmark has a chart whose SVG
has a non-zero size and at least one plotted path of non-zero length;
the regression table holds exactly the planted change point; the latest
comparison has the expected verdicts.
Exits 77 (meson: SKIP) with how to enable it when chromium or gnuplot is
missing.  usage: browser.py SCRIPTS_DIR HISTORY_DIR"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

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

    def call(self, method, params=None, session=None, timeout=20):
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


JS = r"""
(() => {
  const charts = [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    let plotted = 0;
    if (svg)
      for (const g of svg.querySelectorAll('g[id*="gnuplot_plot_"]'))
        for (const p of g.querySelectorAll('path'))
          if (p.getTotalLength() > 0) plotted++;
    return {benchmark: f.dataset.benchmark, width: box.width,
            height: box.height, plotted: plotted};
  });
  const rows = sel => [...document.querySelectorAll(sel)].map(r =>
    [r.dataset.rule || '', r.dataset.benchmark, r.dataset.verdict]);
  return JSON.stringify({
    title: document.title,
    charts: charts,
    regressions: document.getElementById('regressions') ?
      rows('#regressions tbody tr[data-benchmark]') : null,
    latest: rows('#latest tbody tr[data-benchmark]'),
  });
})()
"""


def main():
    scripts, history = sys.argv[1], sys.argv[2]
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not exe:
        skip("chromium not found", "apt-get install chromium "
             "(or ./scripts/ci-deps)")
    if not shutil.which("gnuplot"):
        skip("gnuplot not found", "apt-get install gnuplot-nox "
             "(or ./scripts/ci-deps)")
    signal.alarm(90)
    with tempfile.TemporaryDirectory(prefix="vmb-browser-") as tmp:
        out = os.path.join(tmp, "dashboard")
        subprocess.run([sys.executable, os.path.join(scripts, "dashboard"),
                        "--history", history, "-o", out], check=True)
        page = os.path.join(out, "index.html")
        cdp = Cdp(exe, os.path.join(tmp, "profile"))
        try:
            t = cdp.call("Target.createTarget", {"url": "about:blank"})
            s = cdp.call("Target.attachToTarget",
                         {"targetId": t["targetId"],
                          "flatten": True})["sessionId"]
            for m in ("Runtime.enable", "Log.enable", "Page.enable",
                      "Network.enable"):
                cdp.call(m, session=s)
            cdp.call("Page.navigate", {"url": "file://" + page}, session=s)
            cdp.wait_event("Page.loadEventFired")
            res = json.loads(cdp.call("Runtime.evaluate",
                                      {"expression": JS,
                                       "returnByValue": True},
                                      session=s)["result"]["value"])
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
    want = ["shim/c/empty", "shim/cxx/empty", "vmap/list/churn/n:1024"]
    got = [c["benchmark"] for c in res["charts"]]
    check(got == want, "charts", got, want)
    for c in res["charts"]:
        check(c["width"] > 0 and c["height"] > 0, "size of chart " +
              c["benchmark"], (c["width"], c["height"]), "> 0")
        check(c["plotted"] >= 1, "plotted paths of " + c["benchmark"],
              c["plotted"], ">= 1")
    want = [["change-point", "shim/c/empty", "slower"]]
    check(res["regressions"] == want, "regression rows",
          res["regressions"], want)
    want = [["", "shim/c/empty", "same"], ["", "shim/cxx/empty", "same"],
            ["", "vmap/list/churn/n:1024", "faster"],
            ["", "vmap/list/churn/n:1024", "same"]]
    check(res["latest"] == want, "latest comparison rows", res["latest"],
          want)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok: %d charts, regression table %r" % (len(res["charts"]),
                                                  res["regressions"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
