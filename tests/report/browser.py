#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol to test `portolan report`'s HTML page.

Standard library only. Chromium speaks the protocol on a pipe (--remote-debugging-pipe: it reads
commands on fd 3 and writes answers and events on fd 4, each message JSON ended by a NUL byte), so
no port is opened. The page may fetch nothing but file: and data: URLs: every other request is
failed by the Fetch domain before it leaves, host names resolve nowhere, and any such request
fails the check. Every wait has a deadline, the whole run has one too, and the browser's process
group and its temporary profile are removed however the run ends.

  browser.py check FILE.html --flows N [--artifacts DIR]   the page's checks, one line each
                                                            ("ok - ..." / "not ok - ..."), exit 0
                                                            when all pass, 1 otherwise
  browser.py time FILE.html [--runs K]                     load times: navigation to
                                                            DOMContentLoaded, to the load event, to
                                                            the first frame painted after it
  browser.py screenshot FILE.html OUT.png [--width W] [--height H] [--dark] [--full]
  browser.py which                                         the browser binary it would use
  browser.py evidence INVENTORY FOLDER                     the report's evidence options for
                                                            FOLDER/*.json made from INVENTORY

Exit 77 when no Chromium is installed (the caller decides whether that skips or fails);
PORTOLAN_CHROMIUM names a binary explicitly. Exit 2 for bad usage, or when a browser does not
start or answer in time (for `check`, that is a failed check: exit 1).
"""

import argparse
import base64
import fcntl
import hashlib
import json
import os
import pathlib
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_BROWSER = 77

# Debian's /usr/bin/chromium-headless-shell is a shell script that does not exec; the binary
# behind it is named first so that the process we own is the browser itself.
BROWSER_CANDIDATES = (
    "/usr/lib/chromium/chromium-headless-shell",
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "headless_shell",
)

# The flow statuses of docs/report.md, strongest first.
STATUS_WORDS = ["blocked", "partly-blocked", "failed", "required-open", "uncertain", "partly-checked", "allowed",
                "unchecked"]
SECTION_ORDER = ["summary", "picture", "matrix", "flows", "changes", "evidence", "catalog"]
DESKTOP = (1366, 900)
NARROW = (390, 844)
PHONE_WIDTH = 600  # a screenshot narrower than this is taken as a phone shows it (mobile emulation)
SCREENSHOT_MAX_HEIGHT = 12000  # a full-page capture stops here: a 500-site page is very tall
MAX_TAB_PRESSES = 200  # Tab presses allowed to reach #filter-text from the top of the page
MAX_SAMPLED_OPTIONS = 6  # role and host filter values tried, spread over the options
CONTRAST_MAX_ELEMENTS = 20000  # text elements sampled for contrast, spread over the page
LOAD_TIMEOUT = 60.0  # seconds for one page load (the 500-site page included)
CALL_TIMEOUT = 30.0  # seconds for one protocol command
SETTLE_MS = 3000  # how long the page may take to apply a filter


class BrowserMissing(Exception):
    pass


class ProtocolError(Exception):
    """A DevTools command answered with an error, or the browser went away."""


class Deadline(Exception):
    """A wait ran out of time."""


def find_browser():
    named = os.environ.get("PORTOLAN_CHROMIUM")
    if named:
        if shutil.which(named):
            return shutil.which(named)
        raise BrowserMissing(f"PORTOLAN_CHROMIUM={named} is not an executable")
    for candidate in BROWSER_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise BrowserMissing("no Chromium found (Debian: apt-get install chromium-headless-shell, "
                         "or scripts/install-deps.sh; or set PORTOLAN_CHROMIUM)")


# --- the browser and its pipe ---------------------------------------------------------------------

class Browser:
    """One headless Chromium with a fresh profile, spoken to over its debugging pipe."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="portolan-chromium-")
        self.process = None
        self.next_id = 0
        self.responses = {}
        self.events = []
        self.handlers = {}  # sessionId -> function(event)
        self.buffer = bytearray()
        self.scanned = 0
        self.log_path = os.path.join(self.profile, "chromium.log")
        commands_read, self.commands = os.pipe()
        self.answers, answers_write = os.pipe()
        # The child's ends are moved above 10 first, so that placing them at 3 and 4 in the child
        # never overwrites one with the other.
        child_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
        child_write = fcntl.fcntl(answers_write, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_read)
        os.close(answers_write)

        def place_pipe():
            os.dup2(child_read, 3)  # dup2 clears close-on-exec: these two survive the exec
            os.dup2(child_write, 4)

        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync",
            "--disable-dev-shm-usage", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
            "--force-color-profile=srgb", "--password-store=basic", "about:blank",
        ]
        try:
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                                close_fds=False, preexec_fn=place_pipe, start_new_session=True)
        except OSError as error:
            self.close()
            raise ProtocolError(f"cannot start {binary}: {error}") from error
        finally:
            os.close(child_read)
            os.close(child_write)

    # -- transport --

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self.commands, data)
            data = data[written:]
        return self.next_id

    def call(self, method, params=None, session=None, timeout=CALL_TIMEOUT):
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while wanted not in self.responses:
            self.pump(deadline, f"{method} answered")
        answer = self.responses.pop(wanted)
        if "error" in answer:
            raise ProtocolError(f"{method}: {answer['error'].get('message')} {answer['error'].get('data', '')}")
        return answer.get("result", {})

    def pump(self, deadline, what):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Deadline(f"timed out waiting for {what}")
        ready, _, _ = select.select([self.answers], [], [], remaining)
        if not ready:
            raise Deadline(f"timed out waiting for {what}")
        chunk = os.read(self.answers, 1 << 20)
        if not chunk:
            raise ProtocolError(f"the browser closed its pipe while waiting for {what}{self.log_tail()}")
        self.buffer += chunk
        while True:
            end = self.buffer.find(b"\0", self.scanned)
            if end < 0:
                self.scanned = len(self.buffer)
                return
            message = json.loads(self.buffer[:end])
            del self.buffer[:end + 1]
            self.scanned = 0
            self.dispatch(message)

    def dispatch(self, message):
        if "id" in message:
            self.responses[message["id"]] = message
            return
        message["arrived"] = time.monotonic()
        self.events.append(message)
        handler = self.handlers.get(message.get("sessionId"))
        if handler:
            handler(message)

    def wait_event(self, method, session, since, timeout, what=None):
        """The first event METHOD of SESSION after index SINCE of self.events."""
        deadline = time.monotonic() + timeout
        index = since
        while True:
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            self.pump(deadline, what or method)

    def log_tail(self):
        try:
            text = pathlib.Path(self.log_path).read_text(errors="replace").strip().splitlines()[-5:]
        except OSError:
            return ""
        return "".join(f"\n  chromium: {line}" for line in text)

    def version(self):
        return self.call("Browser.getVersion").get("product", "?")

    def close(self):
        if self.process is not None and self.process.poll() is None:
            try:
                self.send("Browser.close")
                self.process.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        # The browser's helpers (zygote, renderers) are in its process group: nothing is left.
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for fd in (self.commands, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        self.commands = self.answers = -1
        shutil.rmtree(self.profile, ignore_errors=True)
        self.process = None


class Tab:
    """One page target, attached in flat mode; remembers every request and every problem."""

    def __init__(self, browser, scripts=True):
        self.browser = browser
        self.target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        self.problems = []
        self.requests = []
        self.request_urls = {}
        browser.handlers[self.session] = self.on_event
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Network.setCacheDisabled", {"cacheDisabled": True})
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})
        if not scripts:
            self.call("Emulation.setScriptExecutionDisabled", {"value": True})

    def call(self, method, params=None, timeout=CALL_TIMEOUT):
        return self.browser.call(method, params, self.session, timeout)

    def on_event(self, event):
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            self.problems.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text", "")
            self.problems.append(f"uncaught exception: {description.splitlines()[0] if description else '?'}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            self.problems.append(f"browser {entry['level']} ({entry.get('source')}): {entry.get('text')} "
                                 f"{entry.get('url', '')}".rstrip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            self.requests.append(url)
            self.request_urls[params.get("requestId")] = url
            if not allowed_url(url):
                self.problems.append(f"request to a URL that is not file: or data: {url[:120]}")
        elif method == "Network.loadingFailed":
            url = self.request_urls.get(params.get("requestId"), "?")
            self.problems.append(f"request failed: {url[:120]}: {params.get('errorText')} "
                                 f"{params.get('blockedReason', '')}".rstrip())
        elif method == "Fetch.requestPaused":
            url = params.get("request", {}).get("url", "")
            if allowed_url(url):
                self.browser.send("Fetch.continueRequest", {"requestId": params["requestId"]}, self.session)
            else:
                self.problems.append(f"blocked a request to {url[:120]}")
                self.browser.send("Fetch.failRequest", {"requestId": params["requestId"],
                                                        "errorReason": "BlockedByClient"}, self.session)

    def navigate(self, url, timeout=LOAD_TIMEOUT):
        """Loads URL; returns the arrival times of navigate's start, DOMContentLoaded and load."""
        since = len(self.browser.events)
        started = time.monotonic()
        answer = self.call("Page.navigate", {"url": url}, timeout)
        if answer.get("errorText"):
            raise ProtocolError(f"navigation to {url} failed: {answer['errorText']}")
        content = self.browser.wait_event("Page.domContentEventFired", self.session, since, timeout, "DOMContentLoaded")
        loaded = self.browser.wait_event("Page.loadEventFired", self.session, since, timeout, "the load event")
        return started, content["arrived"], loaded["arrived"]

    def evaluate(self, expression, timeout=CALL_TIMEOUT):
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True,
                                                "userGesture": True, "timeout": int(timeout * 1000)}, timeout + 5)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise ProtocolError("page script: " + (details.get("exception", {}).get("description")
                                                   or details.get("text", "?")))
        return answer.get("result", {}).get("value")

    def next_frame(self):
        """Waits for the next frame to be painted (a frame callback, then a task after it)."""
        return self.evaluate(AFTER_NEXT_PAINT)

    def key(self, key, code, key_code, text=None, modifiers=0):
        down = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": key_code, "nativeVirtualKeyCode": key_code, "modifiers": modifiers}
        if text:
            down.update(text=text, unmodifiedText=text)
        self.call("Input.dispatchKeyEvent", down)
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                             "windowsVirtualKeyCode": key_code, "nativeVirtualKeyCode": key_code,
                                             "modifiers": modifiers})

    def type_text(self, text):
        for char in text:
            code = f"Key{char.upper()}" if char.isalpha() else (f"Digit{char}" if char.isdigit() else "")
            self.key(char, code, ord(char.upper()) if char.isalnum() else 0, text=char)

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def viewport(self, width, height, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": mobile})

    def media(self, media="", dark=False):
        self.call("Emulation.setEmulatedMedia", {"media": media, "features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def screenshot(self, path, width, height, full):
        shot_height = height
        if full:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            shot_height = min(SCREENSHOT_MAX_HEIGHT, max(height, int(size["height"] + 0.999)))
        self.evaluate("window.scrollTo(0, 0)")
        self.next_frame()
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full,
                                                    "clip": {"x": 0, "y": 0, "width": width, "height": shot_height,
                                                             "scale": 1}}, LOAD_TIMEOUT)["data"]
        pathlib.Path(path).write_bytes(base64.b64decode(data))
        return shot_height

    def close(self):
        self.browser.handlers.pop(self.session, None)
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
        except (ProtocolError, Deadline):
            pass


def allowed_url(url):
    return url.startswith("file:") or url.startswith("data:")


def file_url(path):
    return pathlib.Path(path).resolve().as_uri()


# --- the page's side: helpers evaluated in the page -----------------------------------------------

AFTER_NEXT_PAINT = """new Promise(done => requestAnimationFrame(() => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => done(performance.now());
  channel.port2.postMessage(0);
}))"""

# window.__portolanTest: what the checks ask the page. Visible means laid out (a box) and not under
# a `hidden` attribute; expected filter results come from the data-* attributes alone.
PAGE_HELPERS = r"""
window.__portolanTest = (() => {
  const T = {};
  const all = sel => Array.from(document.querySelectorAll(sel));
  T.flows = () => all('[data-flow]');
  T.visible = el => !el.closest('[hidden]') && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  T.visibleFlows = () => T.flows().filter(T.visible).map(el => el.dataset.flow);
  T.countText = () => {
    const out = document.getElementById('filter-count');
    const m = out ? out.textContent.match(/\d+/) : null;
    return m ? Number(m[0]) : null;
  };
  T.words = (el, name) => (el.getAttribute(name) || '').split(/\s+/).filter(Boolean);
  T.portMatches = (el, wanted) => {
    const [proto, number] = wanted.includes('/') ? wanted.split('/') : [null, wanted];
    const n = Number(number);
    return T.words(el, 'data-ports').some(item => {
      const [p, range] = item.split('/');
      const [lo, hi] = (range || '').split('-').map(Number);
      return (proto === null || proto.toLowerCase() === p.toLowerCase()) && n >= lo && n <= (isNaN(hi) ? lo : hi);
    });
  };
  T.matches = (el, spec) =>
    (!spec.text || el.textContent.toLowerCase().includes(spec.text.toLowerCase())) &&
    (!spec.status || el.dataset.status === spec.status) &&
    (!spec.role || T.words(el, 'data-roles').includes(spec.role)) &&
    (!spec.host || T.words(el, 'data-hosts').includes(spec.host)) &&
    (!spec.port || T.portMatches(el, spec.port));
  T.expected = spec => T.flows().filter(el => T.matches(el, spec)).map(el => el.dataset.flow);
  T.controls = {text: 'filter-text', status: 'filter-status', role: 'filter-role', host: 'filter-host',
                port: 'filter-port'};
  T.set = (id, value) => {
    const el = document.getElementById(id);
    if (!el) throw new Error('#' + id + ' is missing');
    el.value = value;
    if (el.value !== value) throw new Error('#' + id + ' has no option ' + JSON.stringify(value));
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  };
  T.reset = () => { for (const id of Object.values(T.controls)) T.set(id, ''); };
  T.apply = spec => { T.reset(); for (const [k, v] of Object.entries(spec)) T.set(T.controls[k], v); };
  T.settle = async spec => {
    const want = T.expected(spec);
    const until = performance.now() + %(settle)d;
    let seen, count;
    for (;;) {
      seen = T.visibleFlows();
      count = T.countText();
      if (JSON.stringify(seen) === JSON.stringify(want) && count === want.length) return {ok: true, want, seen, count};
      if (performance.now() > until) return {ok: false, want, seen, count};
      await new Promise(r => setTimeout(r, 20));
    }
  };
  T.options = id => all('#' + id + ' option').map(o => o.value);
  T.describe = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = el.getAttribute('class');
    if (cls) s += '.' + cls.trim().split(/\s+/).join('.');
    const text = (el.textContent || '').trim().replace(/\s+/g, ' ');
    return s + (text ? ' "' + text.slice(0, 40) + '"' : '');
  };
  T.textName = el => (el ? el.textContent.trim() : '');
  T.accessibleName = el => {
    if ((el.getAttribute('aria-label') || '').trim()) return el.getAttribute('aria-label').trim();
    const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const named = by.map(id => T.textName(document.getElementById(id))).join(' ').trim();
    if (named) return named;
    if (el.id) {
      const label = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (T.textName(label)) return T.textName(label);
    }
    if (T.textName(el.closest('label'))) return T.textName(el.closest('label'));
    return '';
  };

  // Colours as sRGB bytes through a canvas, whatever syntax the computed style uses.
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const cache = new Map();
  T.rgba = text => {
    if (cache.has(text)) return cache.get(text);
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = text;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    const value = [d[0], d[1], d[2], d[3] / 255];
    cache.set(text, value);
    return value;
  };
  T.over = (top, base) => [0, 1, 2].map(i => top[i] * top[3] + base[i] * (1 - top[3])).concat([1]);
  T.luminance = c => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  T.ratio = (a, b) => {
    const [hi, lo] = [T.luminance(a), T.luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  T.canvasColour = () => {
    const probe = document.createElement('div');
    probe.style.backgroundColor = 'Canvas';
    document.documentElement.appendChild(probe);
    const value = T.rgba(getComputedStyle(probe).backgroundColor);
    probe.remove();
    return value[3] < 1 ? [255, 255, 255, 1] : value;
  };
  // The background behind EL: its own and its ancestors' background colours, composed over the canvas.
  T.background = (el, canvasColour) => {
    const layers = [];
    for (let at = el; at && at.nodeType === 1; at = at.parentElement) {
      const c = T.rgba(getComputedStyle(at).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = canvasColour;
    for (let i = layers.length - 1; i >= 0; i--) base = T.over(layers[i], base);
    return base;
  };
  const SHAPES = new Set(['rect', 'circle', 'ellipse', 'path', 'polygon']);
  // SVG text sits on shapes, not on its ancestors' backgrounds: the shape under its middle counts.
  T.svgBackground = (el, canvasColour) => {
    el.scrollIntoView({block: 'center', inline: 'center'});
    const r = el.getBoundingClientRect();
    const stack = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    for (const under of stack) {
      if (under === el || el.contains(under)) continue;
      if (SHAPES.has(under.tagName.toLowerCase())) {
        const cs = getComputedStyle(under);
        const fill = cs.fill.startsWith('rgb') || cs.fill.startsWith('#') ? T.rgba(cs.fill) : null;
        if (fill && fill[3] > 0) {
          fill[3] *= Number(cs.fillOpacity || 1);
          return T.over(fill, T.background(under.ownerSVGElement || under, canvasColour));
        }
        continue;
      }
      break;
    }
    return T.background(el.ownerSVGElement || el, canvasColour);
  };
  const SKIP = new Set(['SCRIPT', 'STYLE', 'TITLE', 'OPTION', 'NOSCRIPT', 'TEMPLATE', 'title', 'desc']);
  T.contrast = () => {
    for (const d of all('details')) d.open = true;
    const canvasColour = T.canvasColour();
    const owners = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (/\S/.test(n.nodeValue) && n.parentElement && !SKIP.has(n.parentElement.tagName)) owners.add(n.parentElement);
    let elements = Array.from(owners).filter(el => {
      if (!T.visible(el)) return false;
      const r = el.getBoundingClientRect();
      return r.width > 1 && r.height > 1;
    });
    const total = elements.length;
    if (total > %(max_elements)d) {
      const step = total / %(max_elements)d;
      elements = Array.from({length: %(max_elements)d}, (_, i) => elements[Math.floor(i * step)]);
    }
    const failures = [];
    let worst = null;
    for (const el of elements) {
      const cs = getComputedStyle(el);
      const svg = el instanceof SVGElement;
      const bg = svg ? T.svgBackground(el, canvasColour) : T.background(el, canvasColour);
      const fgText = svg ? cs.fill : cs.color;
      const fg = T.over(T.rgba(fgText), bg);
      const ratio = T.ratio(fg, bg);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      const need = large ? 3 : 4.5;
      const item = {element: T.describe(el), ratio: Math.round(ratio * 100) / 100, need,
                    colour: fg.slice(0, 3).map(Math.round).join(','), background: bg.slice(0, 3).map(Math.round).join(',')};
      if (!worst || ratio / need < worst.ratio / worst.need) worst = item;
      if (ratio < need) failures.push(item);
    }
    window.scrollTo(0, 0);
    failures.sort((a, b) => a.ratio / a.need - b.ratio / b.need);
    return {checked: elements.length, total, worst, failures: failures.length, examples: failures.slice(0, 5)};
  };
  return T;
})();
true
""".replace("%(settle)d", str(SETTLE_MS)).replace("%(max_elements)d", str(CONTRAST_MAX_ELEMENTS))

# What the page looks like before anyone touches it (structure and contract items).
STRUCTURE = r"""(() => {
  const T = window.__portolanTest;
  const out = {};
  out.lang = document.documentElement.getAttribute('lang');
  const scheme = document.querySelector('meta[name="color-scheme"]');
  out.colorScheme = scheme ? scheme.getAttribute('content') : null;
  out.sections = Array.from(document.querySelectorAll('main > section')).map(s => s.id);
  out.sectionsWithoutH2 = Array.from(document.querySelectorAll('main > section'))
    .filter(s => !s.querySelector(':scope > h2')).map(s => s.id);
  out.toc = !!document.querySelector('nav#toc a[href^="#"]');
  out.header = !!document.querySelector('header');
  // Every reference in the document: a fragment or a data: URL, nothing else.
  const refs = [];
  for (const el of document.querySelectorAll('[href], [src], [srcset], [action], [poster], [data]')) {
    for (const name of ['href', 'src', 'srcset', 'action', 'poster', 'data', 'xlink:href']) {
      const value = el.getAttribute(name);
      if (value === null || (name === 'data' && el.tagName !== 'OBJECT')) continue;
      if (!(value.startsWith('#') || value.startsWith('data:'))) refs.push(el.tagName.toLowerCase() + ' ' + name + '=' + value.slice(0, 80));
    }
  }
  for (const el of document.querySelectorAll('use')) {
    const value = el.getAttribute('href') || el.getAttribute('xlink:href') || '';
    if (value && !value.startsWith('#')) refs.push('use ' + value.slice(0, 80));
  }
  out.externalRefs = refs;
  const flows = T.flows();
  out.flowCount = flows.length;
  out.flowIds = flows.map(f => f.dataset.flow);
  out.badFlowElements = flows.filter(f => f.id !== 'flow-' + f.dataset.flow || !f.hasAttribute('data-status') ||
    !f.hasAttribute('data-hosts') || !f.hasAttribute('data-roles') || !f.hasAttribute('data-ports'))
    .map(f => f.dataset.flow).slice(0, 10);
  out.statuses = [...new Set(flows.map(f => f.dataset.status))];
  const norm = s => s.toLowerCase().replace(/[-\s]+/g, ' ');
  out.statusNotInText = flows.filter(f => !norm(f.textContent).includes(norm(f.dataset.status || '')))
    .map(f => f.dataset.flow).slice(0, 10);
  out.hiddenFlows = flows.filter(f => !T.visible(f)).map(f => f.dataset.flow).slice(0, 10);
  const form = document.getElementById('filters');
  out.form = form ? {hidden: form.hidden, role: form.getAttribute('role')} : null;
  out.statusOptions = T.options('filter-status');
  out.controls = Object.values(T.controls).filter(id => !document.getElementById(id));
  out.filterCount = !!document.getElementById('filter-count');
  out.countText = T.countText();
  return out;
})()"""


# --- the checks -----------------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def problems(self, name, tab):
        """Fails once with the list when TAB saw console errors, exceptions or bad requests."""
        found = list(dict.fromkeys(tab.problems))
        tab.problems.clear()
        shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
        return self.check(name, not found, shown)


def load(browser, path, scripts=True):
    tab = Tab(browser, scripts=scripts)
    tab.viewport(*DESKTOP)
    tab.navigate(file_url(path))
    if scripts:
        tab.evaluate(PAGE_HELPERS)
        tab.next_frame()
    return tab


def check_structure(report, tab, flows):
    s = tab.evaluate(STRUCTURE)
    report.check('<html lang="en">', s["lang"] == "en", f"lang={s['lang']!r}")
    report.check('<meta name="color-scheme" content="light dark">', (s["colorScheme"] or "").split() == ["light", "dark"],
                 f"content={s['colorScheme']!r}")
    report.check("header and nav#toc with links", s["header"] and s["toc"])
    wanted = [sid for sid in s["sections"] if sid in SECTION_ORDER]
    report.check("main's sections in the contract's order: " + " ".join(SECTION_ORDER), wanted == SECTION_ORDER,
                 "found " + " ".join(s["sections"]))
    report.check("every section of main has an h2", not s["sectionsWithoutH2"], " ".join(s["sectionsWithoutH2"]))
    report.check("no reference other than #fragments and data: URLs", not s["externalRefs"],
                 "; ".join(s["externalRefs"][:5]))
    report.check(f"{flows} [data-flow] elements (the plan's flow count)", s["flowCount"] == flows,
                 f"found {s['flowCount']}")
    report.check("flow ids are unique", len(set(s["flowIds"])) == len(s["flowIds"]))
    report.check("each flow element has id flow-<id> and data-status, -hosts, -roles, -ports",
                 not s["badFlowElements"], " ".join(s["badFlowElements"]))
    unfiltered = [w for w in s["statuses"] if w not in s["statusOptions"]]
    report.check("every data-status is a value of #filter-status", not unfiltered, " ".join(map(str, unfiltered)))
    report.check("every flow shows its status as text", not s["statusNotInText"], " ".join(s["statusNotInText"]))
    report.check("every flow visible before filtering", not s["hiddenFlows"], " ".join(s["hiddenFlows"]))
    form = s["form"] or {}
    report.check('form#filters role="search", shown once the script runs', form.get("role") == "search" and
                 form.get("hidden") is False, f"{form}")
    report.check("filter controls present", not s["controls"] and s["filterCount"], "missing " + " ".join(s["controls"]))
    missing = [w for w in [""] + STATUS_WORDS if w not in s["statusOptions"]]
    extra = [w for w in s["statusOptions"] if w and w not in STATUS_WORDS]
    report.check("#filter-status offers exactly the status words of docs/report.md", not missing and not extra,
                 f"missing {missing}, extra {extra}")
    report.check("#filter-count says the flow count before filtering", s["countText"] == flows, f"{s['countText']}")
    return s


def spread(values, count):
    values = [v for v in values if v]
    if len(values) <= count:
        return values
    step = len(values) / count
    return [values[int(i * step)] for i in range(count)]


def settle_check(report, tab, name, spec):
    result = tab.evaluate(f"window.__portolanTest.settle({json.dumps(spec)})", SETTLE_MS / 1000 + 10)
    want, seen = result["want"], result["seen"]
    detail = (f"expected {len(want)} {short(want)}, visible {len(seen)} {short(seen)}, "
              f"#filter-count says {result['count']}")
    return report.check(f"{name}: {len(want)} flows", result["ok"], detail)


def short(ids):
    return "[" + " ".join(ids[:8]) + (" ..." if len(ids) > 8 else "") + "]"


def check_filters(report, tab, flows):
    T = "window.__portolanTest"
    # A host name in some flows but not all makes a search term that must narrow the list.
    hosts = tab.evaluate(f"""(() => {{
      const counts = new Map();
      for (const f of {T}.flows()) for (const h of new Set({T}.words(f, 'data-hosts'))) counts.set(h, (counts.get(h) || 0) + 1);
      return Array.from(counts.entries()).sort((a, b) => a[1] - b[1]);
    }})()""")
    narrowing = [h for h, n in hosts if n < flows] or [h for h, _ in hosts]
    term = narrowing[len(narrowing) // 2] if narrowing else "flow"

    tab.evaluate(f"{T}.reset(); document.getElementById('filter-text').focus()")
    tab.type_text(term)
    settle_check(report, tab, f"typing '{term}' (key events) into #filter-text", {"text": term})
    tab.evaluate(f"{T}.set('filter-text', '')")
    settle_check(report, tab, "clearing #filter-text restores every flow", {})

    tab.evaluate(f"{T}.reset(); document.getElementById('filter-text').focus()")
    tab.call("Input.insertText", {"text": term.lower()})
    settle_check(report, tab, f"'{term.lower()}' (inserted text, any case) into #filter-text", {"text": term.lower()})
    flow_id = tab.evaluate(f"(f => f[Math.floor(f.length / 2)].dataset.flow)({T}.flows())")
    tab.evaluate(f"{T}.apply({json.dumps({'text': flow_id})})")
    settle_check(report, tab, f"a flow's id, '{flow_id}', into #filter-text", {"text": flow_id})
    tab.evaluate(f"{T}.apply({{text: 'zz-no-such-flow-zz'}})")
    settle_check(report, tab, "a search that matches nothing", {"text": "zz-no-such-flow-zz"})

    for status in [w for w in tab.evaluate(f"{T}.options('filter-status')") if w]:
        tab.evaluate(f"{T}.apply({json.dumps({'status': status})})")
        settle_check(report, tab, f"#filter-status {status}", {"status": status})
    for kind in ("role", "host"):
        for value in spread(tab.evaluate(f"{T}.options('filter-{kind}')"), MAX_SAMPLED_OPTIONS):
            tab.evaluate(f"{T}.apply({json.dumps({kind: value})})")
            settle_check(report, tab, f"#filter-{kind} {value}", {kind: value})
    ports = tab.evaluate(f"{T}.flows().map(f => [{T}.words(f, 'data-ports')[0] || '', {T}.words(f, 'data-hosts')[0] || ''])")
    port, host = ports[len(ports) // 2] if ports else ("tcp/80", "")
    number = port.split("/")[-1].split("-")[0]
    for value in (number, port):
        tab.evaluate(f"{T}.apply({json.dumps({'port': value})})")
        settle_check(report, tab, f"#filter-port {value}", {"port": value})
    if host:
        spec = {"host": host, "port": number}
        tab.evaluate(f"{T}.apply({json.dumps(spec)})")
        settle_check(report, tab, f"#filter-host {host} and #filter-port {number} together", spec)
    tab.evaluate(f"{T}.reset()")
    settle_check(report, tab, "clearing every filter restores every flow", {})


def check_matrix(report, tab):
    cells = tab.evaluate(r"""(() => {
      const cells = Array.from(document.querySelectorAll('#matrix details'));
      const bad = [], mismatch = [];
      for (const d of cells) {
        const links = Array.from(d.querySelectorAll('a[href^="#"]'));
        for (const a of links) {
          const target = document.getElementById(a.getAttribute('href').slice(1));
          if (!target || !target.hasAttribute('data-flow')) bad.push(a.getAttribute('href'));
        }
        const m = (d.querySelector('summary') || {textContent: ''}).textContent.match(/\d+/);
        if (!m || Number(m[0]) !== links.length) mismatch.push((m ? m[0] : '?') + ' vs ' + links.length + ' links');
      }
      return {count: cells.length, bad: bad.slice(0, 5), mismatch: mismatch.slice(0, 5),
              table: !!document.querySelector('#matrix table')};
    })()""")
    report.check("#matrix has a table with cells that open (details)", cells["table"] and cells["count"] > 0,
                 f"{cells['count']} details")
    report.check("every matrix link points at a flow element", not cells["bad"], " ".join(cells["bad"]))
    report.check("every matrix cell's number is its count of flow links", not cells["mismatch"],
                 "; ".join(cells["mismatch"]))
    if not cells["count"]:
        return
    # A closed cell opens with one click; an open one (the script left it so) closes, then opens.
    states = []
    while len(states) < 2 and not (states and states[-1][1]):
        box = tab.evaluate(r"""(() => {
          const s = document.querySelector('#matrix details summary');
          s.scrollIntoView({block: 'center'});
          const r = s.getBoundingClientRect();
          return {x: r.left + Math.min(r.width / 2, 8), y: r.top + r.height / 2, open: s.parentElement.open};
        })()""")
        tab.click(box["x"], box["y"])
        tab.next_frame()
        states.append((box["open"], tab.evaluate("document.querySelector('#matrix details').open")))
    report.check("clicking a matrix cell's summary toggles it, and it ends open",
                 all(before != after for before, after in states) and states[-1][1],
                 f"open before/after each click: {states}")
    jumped = tab.evaluate(r"""(() => {
      const a = document.querySelector('#matrix details a[href^="#flow-"]');
      a.closest('details').open = true;
      a.click();
      return {hash: location.hash, href: a.getAttribute('href')};
    })()""")
    report.check("a matrix link goes to its flow", jumped["hash"] == jumped["href"], f"{jumped}")


def check_csv(report, tab):
    csv = tab.evaluate(r"""(() => {
      const a = document.getElementById('changes-csv');
      if (!a) return {missing: true};
      const href = a.getAttribute('href') || '';
      const comma = href.indexOf(',');
      const meta = href.slice(0, comma);
      let text = href.slice(comma + 1);
      text = meta.includes(';base64') ? new TextDecoder().decode(Uint8Array.from(atob(text), c => c.charCodeAt(0)))
                                       : decodeURIComponent(text);
      const records = [];
      let field = '', record = [], quoted = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
          if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
          else if (c === '"') quoted = false;
          else field += c;
        } else if (c === '"') quoted = true;
        else if (c === ',') { record.push(field); field = ''; }
        else if (c === '\n' || c === '\r') {
          if (c === '\r' && text[i + 1] === '\n') i++;
          record.push(field); field = '';
          records.push(record); record = [];
        } else field += c;
      }
      if (field || record.length) { record.push(field); records.push(record); }
      const rows = Array.from(document.querySelectorAll('#change-table tbody tr')).filter(r => r.querySelector('td'));
      return {missing: false, dataCsv: href.startsWith('data:text/csv'), download: a.getAttribute('download') || '',
              header: records.length ? records[0] : [], dataLines: records.filter(r => r.join('') !== '').length - 1,
              rows: rows.length, table: !!document.querySelector('#change-table caption')};
    })()""")
    if csv["missing"]:
        report.check("a#changes-csv present", False)
        return
    report.check("#changes-csv is a data:text/csv link with a .csv download name",
                 csv["dataCsv"] and csv["download"].endswith(".csv"), f"download={csv['download']!r}")
    report.check("the CSV has a header line", len(csv["header"]) > 1, f"{csv['header']}")
    report.check("the CSV has one line per row of #change-table", csv["dataLines"] == csv["rows"],
                 f"{csv['dataLines']} data lines, {csv['rows']} table rows")


def check_platforms(report, tab):
    options = tab.evaluate("window.__portolanTest.options('platform')")
    initial = tab.evaluate("(document.getElementById('platform') || {}).value")
    report.check("#platform offers platforms", any(options), f"{options}")
    for value in options:
        tab.evaluate(f"window.__portolanTest.set('platform', {json.dumps(value)});"
                     "for (const d of document.querySelectorAll('#flows details')) d.open = true;")
        tab.next_frame()
        seen = tab.evaluate(f"""(() => {{
          const pres = Array.from(document.querySelectorAll('pre.rule')).filter(window.__portolanTest.visible);
          return {{right: pres.filter(p => p.dataset.platform === {json.dumps(value)}).length,
                   wrong: pres.filter(p => p.dataset.platform !== {json.dumps(value)}).length}};
        }})()""")
        if value == "":  # a choice of every platform
            report.check("#platform (all) shows every pre.rule", seen["right"] == 0 and seen["wrong"] ==
                         tab.evaluate("document.querySelectorAll('pre.rule').length"), f"{seen['wrong']} visible")
            continue
        report.check(f"#platform {value} shows only its pre.rule", seen["right"] > 0 and seen["wrong"] == 0,
                     f"{seen['right']} of {value}, {seen['wrong']} of others visible")
    if options:
        tab.evaluate(f"window.__portolanTest.set('platform', {json.dumps(initial)})")


def check_accessibility(report, tab):
    a = tab.evaluate(r"""(() => {
      const T = window.__portolanTest;
      const tables = Array.from(document.querySelectorAll('table'));
      const name = t => t.id ? '#' + t.id : 'table ' + (tables.indexOf(t) + 1);
      const noCaption = tables.filter(t => !t.caption || !t.caption.textContent.trim()).map(name);
      const noHeaders = tables.filter(t => !t.querySelector('th')).map(name);
      const noScope = tables.filter(t => Array.from(t.querySelectorAll('th')).some(th =>
        !['col', 'row', 'colgroup', 'rowgroup'].includes(th.getAttribute('scope')))).map(name);
      const controls = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'));
      const unlabelled = controls.filter(c => !T.accessibleName(c)).map(T.describe);
      const buttons = Array.from(document.querySelectorAll('button')).filter(b => !b.textContent.trim() && !T.accessibleName(b)).map(T.describe);
      const images = Array.from(document.querySelectorAll('img, svg[role=img], [role=img]')).filter(el => {
        if (el.tagName === 'IMG') return !(el.getAttribute('alt') || '').trim() && !T.accessibleName(el);
        const title = el.querySelector(':scope > title');
        return !T.accessibleName(el) && !(title && title.textContent.trim());
      }).map(T.describe);
      return {tables: tables.length, noCaption, noHeaders, noScope, controls: controls.length, unlabelled: unlabelled.concat(buttons),
              images: images, imageCount: document.querySelectorAll('img, [role=img]').length};
    })()""")
    report.check(f"every table has a caption ({a['tables']} tables)", not a["noCaption"], " ".join(a["noCaption"]))
    report.check("every table has header cells", not a["noHeaders"], " ".join(a["noHeaders"]))
    report.check("every th has a scope", not a["noScope"], " ".join(a["noScope"]))
    report.check(f"every form control has a label ({a['controls']} controls)", not a["unlabelled"],
                 "; ".join(a["unlabelled"][:5]))
    report.check(f"every image has a name ({a['imageCount']} images)", not a["images"], "; ".join(a["images"][:5]))


def check_contrast(report, tab):
    for dark in (False, True):
        tab.media(dark=dark)
        tab.next_frame()
        c = tab.evaluate("window.__portolanTest.contrast()", 120)
        scheme = "dark" if dark else "light"
        worst = c["worst"] or {}
        detail = "; ".join(f"{e['element']} {e['ratio']}:1 < {e['need']}:1 (rgb {e['colour']} on {e['background']})"
                           for e in c["examples"])
        report.check(f"text contrast in the {scheme} scheme ({c['checked']} of {c['total']} text elements, worst "
                     f"{worst.get('ratio')}:1 {worst.get('element', '')})", c["failures"] == 0,
                     f"{c['failures']} below: {detail}")
    tab.media()


def check_print(report, tab, artifacts):
    tab.media(media="print")
    tab.next_frame()
    p = tab.evaluate(r"""(() => {
      const form = document.getElementById('filters');
      const sections = Array.from(document.querySelectorAll('main > section'));
      const breaks = v => ['page', 'always', 'left', 'right', 'recto', 'verso'].includes(v);
      const unbroken = sections.slice(1).filter((s, i) => !breaks(getComputedStyle(s).breakBefore) &&
        !breaks(getComputedStyle(sections[i]).breakAfter)).map(s => s.id);
      return {formShown: !!form && getComputedStyle(form).display !== 'none' && !form.hidden, unbroken};
    })()""")
    report.check("print: the filter form is not displayed", not p["formShown"])
    report.check("print: a page break between main's sections", not p["unbroken"], "none before " + " ".join(p["unbroken"]))
    if artifacts:
        pdf = tab.call("Page.printToPDF", {"printBackground": True}, LOAD_TIMEOUT)["data"]
        (artifacts / "report.pdf").write_bytes(base64.b64decode(pdf))
        report.check("print: PDF written (report.pdf)", True)
    tab.media()


def check_screenshots(report, tab, artifacts):
    for label, (width, height), mobile in (("desktop", DESKTOP, False), ("narrow", NARROW, True)):
        tab.viewport(width, height, mobile)
        for dark in (False, True):
            tab.media(dark=dark)
            tab.next_frame()
            name = f"{label}-{'dark' if dark else 'light'}.png"
            if artifacts:
                shot = tab.screenshot(artifacts / name, width, height, full=True)
                report.check(f"screenshot {name} ({width}x{shot})", (artifacts / name).stat().st_size > 1000)
        if mobile:
            overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            report.check(f"no sideways scrolling of the page at {width} px", overflow <= 1,
                         f"the page is {overflow} px wider than the screen")
    tab.media()
    tab.viewport(*DESKTOP)


def check_keyboard(report, tab):
    tab.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    for presses in range(1, MAX_TAB_PRESSES + 1):
        tab.key("Tab", "Tab", 9)
        if tab.evaluate("document.activeElement ? document.activeElement.id : ''") == "filter-text":
            break
    else:
        report.check(f"Tab reaches #filter-text within {MAX_TAB_PRESSES} presses", False)
        return
    report.check(f"Tab reaches #filter-text ({presses} presses)", True)
    tab.next_frame()
    ring = tab.evaluate(r"""(() => {
      const cs = getComputedStyle(document.activeElement);
      return {outline: cs.outlineStyle + ' ' + cs.outlineWidth, shadow: cs.boxShadow,
              visible: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none'};
    })()""")
    report.check("the focused filter box shows its focus", ring["visible"], f"outline {ring['outline']}, box-shadow {ring['shadow']}")


def check_without_script(report, browser, path, flows):
    tab = load(browser, path, scripts=False)
    try:
        scripted = tab.evaluate("typeof window.__portolanTest")
    except ProtocolError:
        scripted = "unavailable"
    tab.call("DOM.enable")
    root = tab.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]

    def nodes(selector):
        return tab.call("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]

    shown = len(nodes("[data-flow]:not([hidden]):not([hidden] *)"))
    report.check(f"without JavaScript: {flows} flows, none hidden", shown == flows == len(nodes("[data-flow]")),
                 f"{shown} shown of {len(nodes('[data-flow]'))}")
    # A zone matrix cell is a disclosure of its flow list (its count is the cell's text); every other
    # details element, the flows' included, is open in the file.
    closed = nodes("details:not([open]):not(td[data-zones] details)")
    shown = [tab.call("DOM.getOuterHTML", {"nodeId": node})["outerHTML"][:90].replace("\n", " ") for node in closed[:3]]
    report.check("without JavaScript: every details element but the matrix cells' is open", not closed,
                 f"{len(closed)} closed: " + "; ".join(shown))
    report.check("without JavaScript: the filter form stays hidden", len(nodes("#filters[hidden]")) == 1)
    hidden_rules = len(nodes("pre.rule[hidden], [hidden] pre.rule"))
    report.check("without JavaScript: every pre.rule present and not hidden",
                 hidden_rules == 0 and len(nodes("pre.rule")) > 0, f"{hidden_rules} hidden of {len(nodes('pre.rule'))}")
    report.check("without JavaScript: the CSV link is there", len(nodes('a#changes-csv[href^="data:text/csv"]')) == 1)
    report.check("without JavaScript: no page script ran", scripted in ("undefined", "unavailable"), f"{scripted}")
    report.problems("without JavaScript: no console errors, exceptions or blocked requests", tab)
    tab.close()


def guarded(report, name, checks):
    """Runs one group of checks; a page script that throws (a control missing, an option the
    contract names absent) fails that group, and the others still run."""
    try:
        checks()
    except ProtocolError as error:
        report.check(f"the {name} checks ran to the end", False, str(error))


def run_check(browser, path, flows, artifacts):
    report = Report()
    print(f"# {browser.version()}: {path}", flush=True)
    tab = load(browser, path)
    requests_ok = all(allowed_url(u) for u in tab.requests)
    report.problems("the page loads with no console errors, exceptions or failed requests", tab)
    report.check(f"every request was file: or data: ({len(tab.requests)} requests)", requests_ok and tab.requests,
                 " ".join(u[:80] for u in tab.requests if not allowed_url(u)))
    guarded(report, "structure", lambda: check_structure(report, tab, flows))
    guarded(report, "filter", lambda: check_filters(report, tab, flows))
    guarded(report, "matrix", lambda: check_matrix(report, tab))
    guarded(report, "CSV", lambda: check_csv(report, tab))
    guarded(report, "platform", lambda: check_platforms(report, tab))
    guarded(report, "accessibility", lambda: check_accessibility(report, tab))
    guarded(report, "contrast", lambda: check_contrast(report, tab))
    guarded(report, "print", lambda: check_print(report, tab, artifacts))
    report.problems("no console errors, exceptions or failed requests while testing", tab)
    tab.close()

    # A fresh page for the pictures and the keyboard: the state a reader first sees.
    tab = load(browser, path)
    guarded(report, "screenshot", lambda: check_screenshots(report, tab, artifacts))
    guarded(report, "keyboard", lambda: check_keyboard(report, tab))
    report.problems("no console errors, exceptions or failed requests (second load)", tab)
    tab.close()

    check_without_script(report, browser, path, flows)
    print(f"# {report.passed} passed, {report.failed} failed", flush=True)
    return EXIT_OK if report.failed == 0 else EXIT_FAILED


def run_time(browser, path, runs):
    print(f"# {browser.version()}: {path}, {runs} runs, a fresh tab each, {DESKTOP[0]}x{DESKTOP[1]}", flush=True)
    rows = []
    problems = []
    for run in range(1, runs + 1):
        tab = Tab(browser)
        tab.viewport(*DESKTOP)
        started, content, loaded = tab.navigate(file_url(path))
        tab.next_frame()
        painted = time.monotonic()
        row = [(content - started) * 1000, (loaded - started) * 1000, (painted - started) * 1000]
        rows.append(row)
        print(f"run {run}: domcontentloaded {row[0]:.1f} ms, load {row[1]:.1f} ms, "
              f"first frame after load {row[2]:.1f} ms", flush=True)
        problems += tab.problems
        tab.close()
    medians = [statistics.median(column) for column in zip(*rows)]
    print(f"median of {runs}: domcontentloaded {medians[0]:.1f} ms, load {medians[1]:.1f} ms, "
          f"first frame after load {medians[2]:.1f} ms", flush=True)
    for problem in dict.fromkeys(problems):
        print(f"# page problem: {problem}", flush=True)
    return EXIT_OK


def run_screenshot(browser, path, out, width, height, dark, full):
    tab = load(browser, path)
    tab.viewport(width, height, mobile=width < PHONE_WIDTH)
    tab.media(dark=dark)
    tab.next_frame()
    shot = tab.screenshot(out, width, height, full)
    for problem in dict.fromkeys(tab.problems):
        print(f"# page problem: {problem}", file=sys.stderr)
    print(f"wrote {out} ({width}x{shot}, {'dark' if dark else 'light'})")
    tab.close()
    return EXIT_OK


# --- evidence for the report ---------------------------------------------------------------------

def evidence_options(inventory, folder):
    """--probe/--lab/--audit FILE for every FOLDER/*.json made from INVENTORY (subfolders, where
    bad inputs are kept, are not read), each by what it holds: "from" and "results" is a probe,
    "firewall" an audit, a top-level "fingerprint" the lab's."""
    data = pathlib.Path(inventory).read_bytes().replace(b"\r\n", b"\n")
    fingerprint = "sha256:" + hashlib.sha256(data).hexdigest()
    options = []
    for path in sorted(pathlib.Path(folder).glob("*.json")) if os.path.isdir(folder) else []:
        try:
            evidence = json.loads(path.read_text())
        except ValueError:
            continue
        if not isinstance(evidence, dict):
            continue
        made_from = evidence.get("inventory")
        made_from = made_from.get("fingerprint") if isinstance(made_from, dict) else evidence.get("fingerprint")
        if made_from != fingerprint:
            continue
        if "from" in evidence and "results" in evidence:
            options += ["--probe", str(path)]
        elif "firewall" in evidence:
            options += ["--audit", str(path)]
        elif isinstance(evidence.get("fingerprint"), str):
            options += ["--lab", str(path)]
    return options


# --- the command line -----------------------------------------------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser(prog="browser.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the whole run")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="test a report page")
    check.add_argument("file")
    check.add_argument("--flows", type=int, required=True, help="the plan's flow count")
    check.add_argument("--artifacts", help="folder for screenshots and the PDF")
    timing = sub.add_parser("time", help="measure load times")
    timing.add_argument("file")
    timing.add_argument("--runs", type=int, default=5)
    shot = sub.add_parser("screenshot", help="one screenshot")
    shot.add_argument("file")
    shot.add_argument("out")
    shot.add_argument("--width", type=int, default=DESKTOP[0])
    shot.add_argument("--height", type=int, default=DESKTOP[1])
    shot.add_argument("--dark", action="store_true")
    shot.add_argument("--full", action="store_true", help=f"the whole page (at most {SCREENSHOT_MAX_HEIGHT} px)")
    sub.add_parser("which", help="print the browser binary")
    evidence = sub.add_parser("evidence", help="print the report's evidence options, one a line")
    evidence.add_argument("inventory")
    evidence.add_argument("folder")
    return parser.parse_args(argv)


def on_alarm(_signal, _frame):
    raise Deadline("the run's time limit passed")


def on_term(_signal, _frame):
    raise SystemExit(128 + signal.SIGTERM)


def main(argv):
    args = parse(argv)
    if args.command == "evidence":
        for option in evidence_options(args.inventory, args.folder):
            print(option)
        return EXIT_OK
    try:
        binary = find_browser()
    except BrowserMissing as missing:
        print(f"browser.py: {missing}", file=sys.stderr)
        return EXIT_NO_BROWSER
    if args.command == "which":
        print(binary)
        return EXIT_OK
    if not os.path.isfile(args.file):
        print(f"browser.py: {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    default_limit = {"check": 300, "time": 30 + 60 * getattr(args, "runs", 1), "screenshot": 120}[args.command]
    signal.signal(signal.SIGTERM, on_term)
    browser = None
    try:
        browser = Browser(binary)
        # The whole run's deadline, armed once the browser exists, so that it is always removed.
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(int(args.timeout or default_limit))
        browser.call("Browser.getVersion", timeout=LOAD_TIMEOUT)  # the browser is up and answering
        if args.command == "check":
            artifacts = pathlib.Path(args.artifacts) if args.artifacts else None
            if artifacts:
                artifacts.mkdir(parents=True, exist_ok=True)
            return run_check(browser, args.file, args.flows, artifacts)
        if args.command == "time":
            return run_time(browser, args.file, max(1, args.runs))
        return run_screenshot(browser, args.file, args.out, args.width, args.height, args.dark, args.full)
    except (Deadline, ProtocolError) as error:
        tail = browser.log_tail() if browser else ""
        print(f"not ok - {error}{tail}" if args.command == "check" else f"browser.py: {error}{tail}", flush=True)
        return EXIT_FAILED if args.command == "check" else EXIT_USAGE
    finally:
        signal.alarm(0)
        for interrupt in (signal.SIGINT, signal.SIGTERM):  # the cleanup itself runs to its end
            signal.signal(interrupt, signal.SIG_IGN)
        if browser:
            browser.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
