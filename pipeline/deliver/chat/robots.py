"""Posting to the group robots: signing, one POST, reading the answer, retrying and
keeping to the rate limit.

The three APIs answer HTTP 200 with an error code in the JSON body (WeCom and DingTalk
``errcode``, Feishu ``code``, older Feishu answers ``StatusCode``); any code but 0 is a
failure. Rate-limit codes, HTTP 429 and 5xx, refused connections and timeouts are
temporary and retried with backoff; every other answer is final for that group.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Callable

from ...config import ChatGroup, Leaderboard
from .messages import Message, body_bytes

log = logging.getLogger("salespack")

WINDOW_S = 60.0  # the platforms count messages per robot per minute
LATER = "post again later"


@dataclass(frozen=True)
class Robot:
    """Where one group's messages go: the webhook URL and signing secret from the environment."""

    group: ChatGroup
    url: str
    secret: str | None

    @property
    def host(self) -> str:
        """Safe to print: the URL's query (WeCom key, DingTalk token) and path (Feishu hook) are credentials."""
        try:
            return urllib.parse.urlsplit(self.url).hostname or "?"
        except ValueError:  # a malformed host ("http://[bad/x"): its failure says so, not this
            return "?"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook URL, in words that never repeat it (its path and
    query hold the robot's credential); None when it can be posted to. urllib checks a URL
    only as it sends, and then says so with a ValueError, or with a URLError that reads as
    the network being down (and so would be retried)."""
    odd = next((character for character in url
                if character.isspace() or not character.isprintable() or not character.isascii()), None)
    if odd is not None:
        if odd.isspace():
            return "it contains a space, a tab or a line break"
        if not odd.isprintable():
            return "it contains a control character"
        return f"it contains '{odd}', which a URL cannot hold"
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # an unclosed or invalid [IPv6] host
        return "its host is not valid"
    if parts.scheme not in ("http", "https"):
        return "it should start with https://"
    if not parts.hostname:
        return "it has no host"
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    return "its port is not a number from 1 to 65535" if port == 0 else None


# --------------------------------------------------------------------------- signing


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), timestamp in ms;
    URL-encoded when put in the query."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=empty)), timestamp in seconds."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed(message: Message, url: str, secret: str | None, now: float) -> tuple[str, dict]:
    """The URL and body of one POST at time ``now``. Both platforms refuse a timestamp more
    than an hour off, so each try is signed afresh."""
    platform = message.group.platform
    if secret is None or platform == "wecom":  # WeCom robots are not signed; the key in the URL is the credential
        return url, message.payload
    if platform == "dingtalk":
        timestamp = int(now * 1000)
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)})
        return f"{url}{'&' if '?' in url else '?'}{query}", message.payload
    timestamp = int(now)
    return url, {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **message.payload}


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """A failed try in plain words: the ``cause`` (the platform's code first, when there is
    one), the ``remedy``, and whether waiting may mend it."""

    cause: str
    remedy: str
    temporary: bool

    @property
    def reason(self) -> str:
        return f"{self.cause}: {self.remedy}" if self.remedy else self.cause


# code -> (meaning, remedy, temporary). The remedy may name {webhook_env} and {secret_env}.
CHECK_URL = "check {webhook_env}"
CODES: dict[str, dict[int, tuple[str, str, bool]]] = {
    "wecom": {
        -1: ("the WeCom server is busy", LATER, True),
        45009: ("rate limit: more than 20 messages a minute to this robot", LATER, True),
        93000: ("the webhook key is invalid", CHECK_URL, False),
        40058: ("a message is longer than WeCom takes", "report this to salespack's maintainers", False),
        40009: ("the image is larger than WeCom takes", "make the board image smaller", False),
        301019: ("the image's md5 does not match the image", "report this to salespack's maintainers", False),
    },
    "dingtalk": {
        -1: ("the DingTalk server is busy", LATER, True),
        130101: ("rate limit: more than 20 messages a minute to this robot", LATER, True),
        410100: ("rate limit: more than 20 messages a minute to this robot", LATER, True),
        300001: ("the access token is invalid", CHECK_URL, False),
        310000: ("the robot's security settings refused the message",
                 "check {secret_env} and the robot's keywords and IP allow-list", False),
        460101: ("a message is longer than DingTalk takes", "report this to salespack's maintainers", False),
    },
    "feishu": {
        11232: ("rate limit: too many messages to this bot", LATER, True),
        19001: ("the webhook is invalid", CHECK_URL, False),
        19021: ("the signature does not match, or the timestamp is more than an hour off",
                "check {secret_env} and this machine's clock", False),
        19022: ("this machine's IP address is not in the bot's allow-list", "check the bot's security settings",
                False),
        19024: ("the message has none of the bot's keywords", "check the bot's security settings", False),
        9499: ("the request was refused as malformed or too large (over 20 KB)",
               "report this to salespack's maintainers", False),
    },
}
# Where the platform's own words tell which of several causes it was.
SAYS_WHICH = {310000, 9499}


def read_answer(group: ChatGroup, status: int, body: bytes) -> Answer | None:
    """None when the platform accepted the message; otherwise what went wrong."""
    try:
        answer = json.loads(body.decode("utf-8"))
        code = answer.get("code", answer.get("StatusCode")) if group.platform == "feishu" else answer.get("errcode")
        code = int(code)
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return Answer(f"HTTP {status} with an answer that is not a robot's JSON",
                      f"check {group.webhook_env} holds the robot's full webhook URL", temporary=False)
    if code == 0:
        return None
    words = answer.get("msg", answer.get("StatusMessage")) if group.platform == "feishu" else answer.get("errmsg")
    meaning, remedy, temporary = CODES[group.platform].get(code, (f"refused ({words})", "", False))
    if code in SAYS_WHICH and words:
        meaning = f"{meaning} ({words})"
    remedy = remedy.format(webhook_env=group.webhook_env,
                           secret_env=group.secret_env or "the group's secret_env in config (none is set)")
    return Answer(f"{code} {meaning}", remedy, temporary)


def _transport_failure(error: Exception, robot: Robot, timeout_s: float) -> Answer:
    """An HTTP status other than 200, or no answer at all."""
    where, check_url = robot.host, f"check {robot.group.webhook_env} holds the robot's full webhook URL"
    if isinstance(error, urllib.error.HTTPError):
        if error.code == 429 or error.code >= 500:
            return Answer(f"HTTP {error.code} from {where}", LATER, temporary=True)
        return Answer(f"HTTP {error.code} from {where}", check_url, temporary=False)
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return Answer(f"{where}: certificate not trusted ({reason.verify_message})",
                      "check the machine's CA certificates or the proxy in between", temporary=False)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return Answer(f"{where}: no answer within {timeout_s:g} s", LATER, temporary=True)
    words = getattr(reason, "strerror", None) or str(reason) or reason.__class__.__name__
    return Answer(f"cannot reach {where} ({words})",
                  f"check the network and {robot.group.webhook_env}, or {LATER}", temporary=True)


def _malformed_url(robot: Robot, problem: str) -> Answer:
    """A URL no try can post to: final, since waiting does not mend it."""
    env = robot.group.webhook_env
    return Answer(f"{env} is not a webhook URL ({problem})",
                  f"set {env} to the webhook URL the robot's settings in the group show", temporary=False)


# --------------------------------------------------------------------------- posting


class PostFailed(Exception):
    def __init__(self, answer: Answer, attempts: int):
        self.answer, self.attempts = answer, attempts
        super().__init__(answer.reason)


class RateWindow:
    """At most ``per_minute`` POSTs to one robot in any 60 s (a sliding window per webhook
    URL): the platforms allow 20 a minute per robot and answer a rate-limit code beyond."""

    def __init__(self, per_minute: int, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.sent: dict[str, deque[float]] = defaultdict(deque)

    def take_turn(self, url: str) -> None:
        sent = self.sent[url]
        while sent and self.clock() - sent[0] >= WINDOW_S:
            sent.popleft()
        if len(sent) >= self.per_minute:
            self.sleep(WINDOW_S - (self.clock() - sent[0]))
            sent.popleft()  # the oldest has left the window (even under a sleep that does not move the clock)
        sent.append(self.clock())


class Poster:
    """POSTs messages with the stdlib, retrying temporary failures with doubling waits."""

    def __init__(self, settings: Leaderboard, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.settings, self.clock, self.sleep = settings, clock, sleep
        self.window = RateWindow(settings.per_minute, clock, sleep)
        self.opener = urllib.request.build_opener()  # honours the usual *_proxy variables

    def post(self, message: Message, robot: Robot) -> int:
        """Post until accepted; returns the tries it took. Raises PostFailed."""
        wait = self.settings.backoff_s
        for attempt in range(1, self.settings.retries + 2):
            self.window.take_turn(robot.url)  # every try counts against the robot's limit
            answer = self._post_once(message, robot)
            if answer is None:
                return attempt
            if not answer.temporary:
                raise PostFailed(answer, attempt)
            if attempt > self.settings.retries:
                tries = f"{attempt} tries" if attempt > 1 else "1 try"
                raise PostFailed(Answer(f"{answer.cause}, still after {tries}", answer.remedy, True), attempt)
            log.info("%s: %s; trying again in %g s", message.label, answer.cause, wait)
            self.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")

    def _post_once(self, message: Message, robot: Robot) -> Answer | None:
        problem = url_problem(robot.url)
        if problem:
            return _malformed_url(robot, problem)
        url, payload = signed(message, robot.url, robot.secret, self.clock())
        # A timeout may hide a message that did arrive; retrying it risks a copy in the group,
        # which is better than a board that silently never comes.
        try:
            request = urllib.request.Request(url, data=body_bytes(payload), method="POST",
                                             headers={"Content-Type": "application/json; charset=utf-8"})
            with self.opener.open(request, timeout=self.settings.timeout_s) as response:
                status, body = response.status, response.read()
        except (urllib.error.URLError, OSError) as error:  # HTTPError is a URLError
            return _transport_failure(error, robot, self.settings.timeout_s)
        except (http.client.InvalidURL, ValueError) as error:
            # A URL url_problem passed that urllib still refuses (InvalidURL is no ValueError):
            # that group's failure, not the run's, so the other groups and the summary go on.
            # The error's own words may quote the URL's path and query, so only its type.
            return _malformed_url(robot, f"urllib refused it: {error.__class__.__name__}")
        except http.client.HTTPException as error:
            # A garbled answer (no HTTP status line, a body cut short): a proxy's or the
            # robot's hiccup, as a dropped connection is.
            return Answer(f"{robot.host}: a garbled HTTP answer ({error.__class__.__name__})", LATER, temporary=True)
        return read_answer(message.group, status, body)
