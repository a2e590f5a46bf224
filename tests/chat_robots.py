"""Fake WeCom, DingTalk and Feishu group robots on loopback, for tests of chat posting.

One ``ThreadingHTTPServer`` on 127.0.0.1 answers the three webhook paths the way the
platforms do: HTTP 200 with the error code in the JSON body.

    WeCom     POST /cgi-bin/webhook/send?key=K
    DingTalk  POST /robot/send?access_token=T&timestamp=<ms>&sign=<urlencoded base64>
    Feishu    POST /open-apis/bot/v2/hook/H       (timestamp <s> and sign in the JSON body)

It checks what the platforms check: the key, token or hook (WeCom 93000, DingTalk
300001, Feishu 19001); the signatures, recomputed from the secret it holds, and that
the timestamp is within an hour of now (DingTalk 310000, Feishu 19021); the documented
sizes (WeCom markdown 4096 bytes: 40058; DingTalk text 20,000 characters: 460101;
Feishu body 20 KB: 9499); a WeCom image's base64, its size up to 2 MB (40009) and that
its md5 is that of the decoded bytes (301019); and the JSON shape of each message
(WeCom 40008/40035, DingTalk 40035, Feishu 9499). Where a platform's code for a case
is not documented publicly, the code here is the imitation's choice.

``answer_next`` queues answers for the next requests to a platform: a rate-limit code
(WeCom 45009, DingTalk 130101, Feishu 11232), an HTTP status such as 500, or ``PASS`` to
let one request through to the checks. It does not enforce 20 messages a minute itself:
tests drive the client's clock, not the server's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM_KEY = "wecom-key-0001"
DINGTALK_TOKEN = "dingtalk-token-0001"
DINGTALK_SECRET = "SECdingtalk-secret"
FEISHU_HOOK = "feishu-hook-0001"
FEISHU_SECRET = "feishu-secret"

HOUR_S = 3600
PASS = "pass"  # an entry of answer_next: handle this request normally
RATE_LIMIT = {"wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
              "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
              "feishu": {"code": 11232, "msg": "frequency limited", "data": {}}}
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success", "data": {}}}


@dataclass
class Received:
    """One request as the robot saw it; ``code`` is what it answered (0 accepted)."""

    platform: str
    query: dict[str, str]
    raw: bytes
    body: object
    code: int | None          # None when an HTTP error status was answered
    received_at: float

    @property
    def accepted(self) -> bool:
        return self.code == 0


class Refusal(Exception):
    def __init__(self, platform: str, code: int, words: str):
        self.answer = {"code": code, "msg": words, "data": {}} if platform == "feishu" else \
            {"errcode": code, "errmsg": words}
        self.code = code


class Robots:
    """The three robots behind one loopback server; ``stop()`` at the end."""

    def __init__(self, dingtalk_secret: str | None = DINGTALK_SECRET, feishu_secret: str | None = FEISHU_SECRET):
        self.secrets = {"dingtalk": dingtalk_secret, "feishu": feishu_secret}
        self.requests: list[Received] = []
        self._queued: dict[str, deque] = {"wecom": deque(), "dingtalk": deque(), "feishu": deque()}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    # ------------------------------------------------------------------ what tests use

    def url(self, platform: str, credential: str | None = None) -> str:
        """The webhook URL of a robot, with its right key, token or hook unless another is given."""
        base = f"http://127.0.0.1:{self.port}"
        if platform == "wecom":
            return f"{base}/cgi-bin/webhook/send?key={credential or WECOM_KEY}"
        if platform == "dingtalk":
            return f"{base}/robot/send?access_token={credential or DINGTALK_TOKEN}"
        return f"{base}/open-apis/bot/v2/hook/{credential or FEISHU_HOOK}"

    def answer_next(self, platform: str, *answers) -> None:
        """Answers for the next requests to ``platform``, in order: "rate limit", an HTTP
        status (int), or PASS."""
        with self._lock:
            self._queued[platform].extend(answers)

    def accepted(self, platform: str | None = None) -> list[Received]:
        return [r for r in self.requests if r.accepted and platform in (None, r.platform)]

    def seen(self, platform: str | None = None) -> list[Received]:
        return [r for r in self.requests if platform in (None, r.platform)]

    # ------------------------------------------------------------------ answering

    def handle(self, path: str, raw: bytes) -> tuple[int, dict | None]:
        split = urllib.parse.urlsplit(path)
        query = {name: values[0] for name, values in urllib.parse.parse_qs(split.query).items()}
        platform = _platform(split.path)
        if platform is None:
            return 404, None
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        record = Received(platform, query, raw, body, None, time.time())
        with self._lock:
            self.requests.append(record)
            queued = self._queued[platform].popleft() if self._queued[platform] else PASS
        if isinstance(queued, int):
            return queued, None
        if queued == "rate limit":
            answer = RATE_LIMIT[platform]
        else:
            try:
                getattr(self, f"_check_{platform}")(split.path, query, raw, body)
                answer = OK[platform]
            except Refusal as refusal:
                answer = refusal.answer
        record.code = answer.get("errcode", answer.get("code"))
        return 200, answer

    def _check_wecom(self, path: str, query: dict, raw: bytes, body) -> None:
        if query.get("key") != WECOM_KEY:
            raise Refusal("wecom", 93000, "invalid webhook url, hint: [1732] from ip: 127.0.0.1")
        if not isinstance(body, dict) or not isinstance(body.get("msgtype"), str):
            raise Refusal("wecom", 40035, "invalid parameter")
        kind = body["msgtype"]
        if kind == "markdown":
            content = (body.get("markdown") or {}).get("content")
            if not isinstance(content, str) or not content:
                raise Refusal("wecom", 40035, "markdown.content missing")
            if len(content.encode("utf-8")) > 4096:
                raise Refusal("wecom", 40058, "markdown.content exceed max length 4096")
        elif kind == "image":
            _check_wecom_image(body.get("image"))
        else:
            raise Refusal("wecom", 40008, f"invalid message type {kind}")

    def _check_dingtalk(self, path: str, query: dict, raw: bytes, body) -> None:
        if query.get("access_token") != DINGTALK_TOKEN:
            raise Refusal("dingtalk", 300001, "token is not exist")
        secret = self.secrets["dingtalk"]
        if secret is not None:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > HOUR_S * 1000:
                raise Refusal("dingtalk", 310000, "invalid timestamp")
            expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(sign, expected):
                raise Refusal("dingtalk", 310000, "sign not match")
        markdown = body.get("markdown") if isinstance(body, dict) and body.get("msgtype") == "markdown" else None
        if not isinstance(markdown, dict) or not all(isinstance(markdown.get(k), str) and markdown[k]
                                                     for k in ("title", "text")):
            raise Refusal("dingtalk", 40035, "缺少参数 json")
        if len(markdown["text"]) > 20000:
            raise Refusal("dingtalk", 460101, "message too long")

    def _check_feishu(self, path: str, query: dict, raw: bytes, body) -> None:
        if path.rsplit("/", 1)[-1] != FEISHU_HOOK:
            raise Refusal("feishu", 19001, "param invalid: incoming webhook access token invalid")
        if len(raw) > 20 * 1024 or not isinstance(body, dict):
            raise Refusal("feishu", 9499, "Bad Request")
        secret = self.secrets["feishu"]
        if secret is not None:
            timestamp, sign = body.get("timestamp", ""), body.get("sign", "")
            expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"",
                                                 hashlib.sha256).digest()).decode()
            if not (isinstance(timestamp, str) and timestamp.isdigit()
                    and abs(time.time() - int(timestamp)) <= HOUR_S
                    and isinstance(sign, str) and hmac.compare_digest(sign, expected)):
                raise Refusal("feishu", 19021, "sign match fail or timestamp is not within one hour from current time")
        if body.get("msg_type") != "interactive" or not _is_markdown_card(body.get("card")):
            raise Refusal("feishu", 9499, "Bad Request")


def _check_wecom_image(image) -> None:
    if not isinstance(image, dict) or not isinstance(image.get("base64"), str) or not isinstance(image.get("md5"), str):
        raise Refusal("wecom", 40035, "image.base64 or image.md5 missing")
    try:
        data = base64.b64decode(image["base64"], validate=True)
    except binascii.Error:
        raise Refusal("wecom", 40035, "invalid base64") from None
    if len(data) > 2 * 1024 * 1024:
        raise Refusal("wecom", 40009, "invalid image size")
    if hashlib.md5(data).hexdigest() != image["md5"]:
        raise Refusal("wecom", 301019, "media md5 not match")


def _is_markdown_card(card) -> bool:
    """header.title is plain text; elements are markdown elements with text."""
    if not isinstance(card, dict):
        return False
    title = (card.get("header") or {}).get("title") or {}
    elements = card.get("elements")
    return (title.get("tag") == "plain_text" and isinstance(title.get("content"), str) and title["content"]
            and isinstance(elements, list) and bool(elements)
            and all(isinstance(e, dict) and e.get("tag") == "markdown" and isinstance(e.get("content"), str)
                    for e in elements))


def _platform(path: str) -> str | None:
    if path == "/cgi-bin/webhook/send":
        return "wecom"
    if path == "/robot/send":
        return "dingtalk"
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu"
    return None


def _handler(robots: Robots) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = robots.handle(self.path, raw)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8") if answer is not None else b"error"
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002 - quiet in tests
            pass

    return Handler
