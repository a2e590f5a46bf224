"""Posting the board to chat groups (issue 12, "Chat delivery"): ``post_boards`` against
fake WeCom, DingTalk and Feishu robots on loopback (tests/chat_robots.py), which check
keys, signatures, timestamps, sizes, the image's md5 and the JSON shape, and answer
HTTP 200 with the platforms' error codes.

Time is a fake clock that starts at the real now (the robots check timestamps against
their own clock) and moves only when the code under test sleeps, so backoff and the
per-minute window cost nothing and every wait is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import random
import socket
import sqlite3
import time

import pytest
from PIL import Image

from pipeline.config import ChatGroup, Leaderboard
from pipeline.deliver.chat import BoardPost, post_boards
from pipeline.deliver.chat.messages import split_text
from pipeline.deliver.chat.robots import feishu_sign, read_answer
from pipeline.errors import TRY_AGAIN_LATER, ConfigError
from tests.chat_robots import DINGTALK_SECRET, FEISHU_SECRET, PASS, Robots

KEY = "2026-11-27/day"
TITLE = "业绩排行榜 2026-11-27"

WECOM = ChatGroup(name="全员大群", platform="wecom", webhook_env="SALESPACK_WECOM_ALL")
DINGTALK = ChatGroup(name="华东销售部群", platform="dingtalk", webhook_env="SALESPACK_DINGTALK_EAST",
                     secret_env="SALESPACK_DINGTALK_EAST_SECRET", board="华东销售部")
FEISHU = ChatGroup(name="管理层", platform="feishu", webhook_env="SALESPACK_FEISHU_MGMT",
                   secret_env="SALESPACK_FEISHU_MGMT_SECRET")


# --------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(autouse=True)
def _no_proxy(no_proxy):
    """Every test here talks to loopback robots."""


@pytest.fixture
def robots():
    server = Robots()
    yield server
    server.stop()


@pytest.fixture
def environ(robots) -> dict[str, str]:
    return {"SALESPACK_WECOM_ALL": robots.url("wecom"),
            "SALESPACK_DINGTALK_EAST": robots.url("dingtalk"), "SALESPACK_DINGTALK_EAST_SECRET": DINGTALK_SECRET,
            "SALESPACK_FEISHU_MGMT": robots.url("feishu"), "SALESPACK_FEISHU_MGMT_SECRET": FEISHU_SECRET}


class FakeTime:
    """``clock`` and ``sleep`` for the code under test: sleeping moves the clock."""

    def __init__(self):
        self.now = time.time()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def board(rows: int) -> str:
    """A board as WeCom markdown, about 110 UTF-8 bytes a row, mostly Chinese."""
    lines = [f"## {TITLE}", '时间进度 <font color="comment">65.0%</font>', ""]
    lines += [f"{rank}. **销售代表{rank:03d}** 华东销售部 完成率 "
              f"<font color=\"info\">{90 - rank * 0.3:.1f}%</font> 超前 {rank % 7}.2 个百分点 ↑{rank % 3}"
              for rank in range(1, rows + 1)]
    return "\n".join(lines) + "\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 320), (250, 250, 250)).save(buffer, format="PNG")
    return buffer.getvalue()


def post(posts, folder, environ, fake, *, live=True, groups=None, repost_changed=False, **settings):
    leaderboard = Leaderboard(groups=groups or [p.group for p in posts],
                              **{"retries": 3, "backoff_s": 1.0, "timeout_s": 2.0, **settings})
    return post_boards(posts, KEY, folder, leaderboard, live=live, repost_changed=repost_changed,
                       environ=environ, sleep=fake.sleep, clock=fake.clock)


def contents(received) -> list[str]:
    """The markdown each accepted message carried, whatever the platform."""
    texts = []
    for request in received:
        body = request.body
        if body.get("msgtype") == "markdown":
            texts.append(body["markdown"].get("content", body["markdown"].get("text")))
        elif body.get("msg_type") == "interactive":
            texts.append(body["card"]["elements"][0]["content"])
    return texts


def ledger_rows(folder) -> list[tuple]:
    with sqlite3.connect(folder / "chat-ledger.sqlite") as connection:
        return connection.execute("select chat_group, number, kind, state, attempts from posts "
                                  "order by chat_group, number").fetchall()


# --------------------------------------------------------------------------- WeCom


def test_wecom_long_board_is_split_at_4096_bytes_then_the_picture(robots, environ, fake, tmp_path):
    text, picture = board(120), png()
    assert len(text.encode("utf-8")) > 3 * 4096

    report = post([BoardPost(WECOM, TITLE, text, picture)], tmp_path, environ, fake)

    received = robots.accepted("wecom")
    pieces = contents(received)
    assert len(pieces) == 4
    assert all(len(piece.encode("utf-8")) <= 4096 for piece in pieces)
    assert "".join(pieces) == text
    assert all(piece.endswith("\n") for piece in pieces)  # cut at line ends only
    image = received[-1].body
    assert image["msgtype"] == "image" and len(received) == 5
    assert base64.b64decode(image["image"]["base64"]) == picture
    assert image["image"]["md5"] == hashlib.md5(picture).hexdigest()
    assert report.exit_code() == 0
    assert report.lines() == ["全员大群 (wecom): 5 posted"]
    assert ledger_rows(tmp_path) == [("全员大群", n, "markdown", "posted", 1) for n in range(1, 5)] + [
        ("全员大群", 5, "image", "posted", 1)]
    assert fake.sleeps == []


def test_wecom_wrong_key_names_the_group_and_the_variable(robots, environ, fake, tmp_path):
    environ["SALESPACK_WECOM_ALL"] = robots.url("wecom", "not-the-key")
    posts = [BoardPost(WECOM, TITLE, board(120), png()), BoardPost(DINGTALK, TITLE, board(10), None)]

    report = post(posts, tmp_path, environ, fake)

    reason = "全员大群 (wecom): 93000 the webhook key is invalid: check SALESPACK_WECOM_ALL"
    assert [(f.group, f.reason, f.temporary, f.not_tried) for f in report.failed] == [
        ("全员大群", reason, False, 4)]
    assert report.lines() == [
        "全员大群 (wecom): FAILED: 93000 the webhook key is invalid: check SALESPACK_WECOM_ALL (4 more not tried)",
        "华东销售部群 (dingtalk): 1 posted"]
    assert report.exit_code() == 2  # a person must fix the key
    assert len(robots.seen("wecom")) == 1  # never retried, the rest of that board not tried
    assert len(robots.accepted("dingtalk")) == 1  # the other group goes on
    assert fake.sleeps == []


def test_picture_over_2_mb_is_refused_the_text_still_goes(robots, environ, fake, tmp_path):
    huge = b"\x89PNG\r\n\x1a\n" + random.Random(12).randbytes(2 * 1024 * 1024)

    report = post([BoardPost(WECOM, TITLE, board(5), huge)], tmp_path, environ, fake)

    assert [r.body["msgtype"] for r in robots.seen("wecom")] == ["markdown"]
    assert report.lines() == [
        "全员大群 (wecom): 1 posted; FAILED: the board's picture is 2.0 MB and WeCom takes images up to 2 MB, "
        "so it was not posted (the text was): make the board image smaller, then post again"]
    assert report.exit_code() == 2


# --------------------------------------------------------------------------- rate limits and retries


@pytest.mark.parametrize("group, code", [(WECOM, 45009), (DINGTALK, 130101), (FEISHU, 11232)],
                         ids=["wecom", "dingtalk", "feishu"])
def test_rate_limit_answers_are_retried_with_doubling_waits(robots, environ, fake, tmp_path, group, code):
    robots.answer_next(group.platform, "rate limit", "rate limit")

    report = post([BoardPost(group, TITLE, board(10), None)], tmp_path, environ, fake)

    assert [r.code for r in robots.seen(group.platform)] == [code, code, 0]
    assert len(robots.accepted()) == 1  # posted once
    assert fake.sleeps == [1.0, 2.0]  # backoff_s, doubled
    assert report.exit_code() == 0 and not report.failed
    assert ledger_rows(tmp_path) == [(group.name, 1, "card" if group is FEISHU else "markdown", "posted", 3)]


def test_server_errors_after_every_retry_are_try_again_later(robots, environ, fake, tmp_path):
    robots.answer_next("dingtalk", 500, 502, 503, 500)

    report = post([BoardPost(DINGTALK, TITLE, board(10), None), BoardPost(FEISHU, TITLE, board(10), None)],
                  tmp_path, environ, fake)

    assert report.lines() == [
        "华东销售部群 (dingtalk): FAILED: HTTP 500 from 127.0.0.1, still after 4 tries: post again later",
        "管理层 (feishu): 1 posted"]
    assert fake.sleeps == [1.0, 2.0, 4.0]
    assert report.exit_code() == TRY_AGAIN_LATER


def test_unreachable_robot_is_retried_then_try_again_later(environ, fake, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed
    environ["SALESPACK_WECOM_ALL"] = f"http://127.0.0.1:{closed}/cgi-bin/webhook/send?key=k"

    report = post([BoardPost(WECOM, TITLE, board(3), None)], tmp_path, environ, fake, retries=2)

    assert report.lines() == [
        "全员大群 (wecom): FAILED: cannot reach 127.0.0.1 (Connection refused), still after 3 tries: check the "
        "network and SALESPACK_WECOM_ALL, or post again later"]
    assert fake.sleeps == [1.0, 2.0]
    assert report.exit_code() == TRY_AGAIN_LATER
    assert ledger_rows(tmp_path) == [("全员大群", 1, "markdown", "failed", 3)]


def test_silent_robot_is_given_the_timeout_then_retried(environ, fake, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # takes the connection, never answers
        environ["SALESPACK_WECOM_ALL"] = f"http://127.0.0.1:{silent.getsockname()[1]}/cgi-bin/webhook/send?key=k"

        report = post([BoardPost(WECOM, TITLE, board(3), None)], tmp_path, environ, fake, retries=1, timeout_s=0.2)

    assert report.lines() == ["全员大群 (wecom): FAILED: 127.0.0.1: no answer within 0.2 s, still after 2 tries: "
                              "post again later"]
    assert fake.sleeps == [1.0]
    assert report.exit_code() == TRY_AGAIN_LATER


def test_a_garbled_answer_is_that_group_s_failure_retried_not_an_internal_error(environ, fake, tmp_path):
    """A proxy or robot that answers something other than HTTP (no status line)."""
    import threading
    with socket.create_server(("127.0.0.1", 0)) as garbling:
        def answer_garbage():
            for _ in range(2):  # the first try and its retry
                connection, _address = garbling.accept()
                with connection:
                    connection.recv(65536)
                    connection.sendall(b"HELLO THERE\r\n\r\n")
        thread = threading.Thread(target=answer_garbage, daemon=True)
        thread.start()
        environ["SALESPACK_WECOM_ALL"] = f"http://127.0.0.1:{garbling.getsockname()[1]}/cgi-bin/webhook/send?key=k"

        report = post([BoardPost(WECOM, TITLE, board(3), None)], tmp_path, environ, fake, retries=1)
        thread.join(10)

    assert report.lines() == ["全员大群 (wecom): FAILED: 127.0.0.1: a garbled HTTP answer (BadStatusLine), still "
                              "after 2 tries: post again later"]
    assert report.exit_code() == TRY_AGAIN_LATER


# --------------------------------------------------------------------------- DingTalk


def test_dingtalk_markdown_is_signed_and_split_at_5000_bytes(robots, environ, fake, tmp_path, caplog):
    text = board(120)
    caplog.set_level(logging.INFO, logger="salespack")

    report = post([BoardPost(DINGTALK, TITLE, text, png())], tmp_path, environ, fake)

    received = robots.accepted("dingtalk")
    assert len(received) == 3 and report.exit_code() == 0  # the robot recomputed each signature and accepted it
    for request in received:
        assert request.query["timestamp"] == str(int(fake.now * 1000))  # milliseconds
        assert set(request.query) == {"access_token", "timestamp", "sign"}
    pieces = contents(received)
    assert "".join(pieces) == text
    assert all(len(piece.encode("utf-8")) <= 5000 for piece in pieces)
    assert [r.body["markdown"]["title"] for r in received] == [f"{TITLE} (1/3)", f"{TITLE} (2/3)", f"{TITLE} (3/3)"]
    assert "华东销售部群 (dingtalk): the board's picture is not posted (its robot takes no image upload); " \
           "the markdown carries the board" in caplog.messages


def test_dingtalk_wrong_secret_is_310000_naming_the_group(robots, environ, fake, tmp_path):
    environ["SALESPACK_DINGTALK_EAST_SECRET"] = "SECnot-the-secret"

    report = post([BoardPost(DINGTALK, TITLE, board(120), None)], tmp_path, environ, fake)

    assert [f.reason for f in report.failed] == [
        "华东销售部群 (dingtalk): 310000 the robot's security settings refused the message (sign not match): "
        "check SALESPACK_DINGTALK_EAST_SECRET and the robot's keywords and IP allow-list"]
    assert report.failed[0].not_tried == 2
    assert report.exit_code() == 2
    assert robots.accepted() == []


# --------------------------------------------------------------------------- Feishu


def test_feishu_card_is_signed_in_the_body(robots, environ, fake, tmp_path):
    report = post([BoardPost(FEISHU, TITLE, board(40), png())], tmp_path, environ, fake)

    (request,) = robots.accepted("feishu")
    body = request.body
    assert body["timestamp"] == str(int(fake.now))  # seconds, as a string
    assert body["sign"] == feishu_sign(FEISHU_SECRET, int(fake.now))
    assert body["msg_type"] == "interactive"
    assert body["card"] == {"header": {"title": {"tag": "plain_text", "content": TITLE}},
                            "elements": [{"tag": "markdown", "content": board(40)}]}
    assert report.lines() == ["管理层 (feishu): 1 posted"]


def test_feishu_long_board_is_split_under_its_20_kb_body_limit(robots, environ, fake, tmp_path):
    text = board(400)  # about 44 KB of markdown

    post([BoardPost(FEISHU, TITLE, text, None)], tmp_path, environ, fake)

    received = robots.accepted("feishu")
    assert len(received) == 3
    assert all(len(request.raw) <= 20 * 1024 for request in received)
    assert "".join(contents(received)) == text


def test_feishu_wrong_secret_is_19021_naming_the_group(robots, environ, fake, tmp_path):
    environ["SALESPACK_FEISHU_MGMT_SECRET"] = "not-the-secret"

    report = post([BoardPost(FEISHU, TITLE, board(10), None)], tmp_path, environ, fake)

    assert report.lines() == [
        "管理层 (feishu): FAILED: 19021 the signature does not match, or the timestamp is more than an hour off: "
        "check SALESPACK_FEISHU_MGMT_SECRET and this machine's clock"]
    assert report.exit_code() == 2


def test_feishu_older_answers_say_status_code():
    assert read_answer(FEISHU, 200, b'{"Extra":null,"StatusCode":0,"StatusMessage":"success"}') is None
    answer = read_answer(FEISHU, 200, b'{"StatusCode":19021,"StatusMessage":"sign match fail"}')
    assert answer.cause.startswith("19021 the signature does not match") and not answer.temporary


# --------------------------------------------------------------------------- reruns and the ledger


def three_groups() -> list[BoardPost]:
    return [BoardPost(WECOM, TITLE, board(120), png()), BoardPost(DINGTALK, TITLE, board(120), None),
            BoardPost(FEISHU, TITLE, board(10), None)]


def test_rerun_with_the_same_key_posts_nothing(robots, environ, fake, tmp_path):
    first = post(three_groups(), tmp_path, environ, fake)
    seen = len(robots.requests)

    again = post(three_groups(), tmp_path, environ, fake)

    assert first.exit_code() == 0 and seen == 9
    assert len(robots.requests) == seen
    assert again.posted == [] and len(again.already_posted) == 9
    assert again.lines() == ["全员大群 (wecom): 5 already posted before",
                             "华东销售部群 (dingtalk): 3 already posted before",
                             "管理层 (feishu): 1 already posted before"]
    assert again.exit_code() == 0


def test_rerun_after_a_failure_posts_only_what_failed(robots, environ, fake, tmp_path):
    # WeCom takes the first part, then fails; DingTalk is rate-limited beyond its retries.
    robots.answer_next("wecom", PASS, 503)
    robots.answer_next("dingtalk", "rate limit")
    first = post(three_groups(), tmp_path, environ, fake, retries=0)
    assert first.lines() == [
        "全员大群 (wecom): 1 posted; FAILED: HTTP 503 from 127.0.0.1, still after 1 try: post again later "
        "(3 more not tried)",
        "华东销售部群 (dingtalk): FAILED: 130101 rate limit: more than 20 messages a minute to this robot, "
        "still after 1 try: post again later (2 more not tried)",
        "管理层 (feishu): 1 posted"]
    assert first.exit_code() == TRY_AGAIN_LATER
    before = len(robots.requests)

    again = post(three_groups(), tmp_path, environ, fake)

    sent_again = robots.requests[before:]
    assert [(r.platform, r.code) for r in sent_again] == [("wecom", 0)] * 4 + [("dingtalk", 0)] * 3
    assert "".join(contents(robots.accepted("wecom"))) == board(120)  # parts 1, then 2-4: each once, in order
    assert again.lines() == ["全员大群 (wecom): 4 posted; 1 already posted before",
                             "华东销售部群 (dingtalk): 3 posted",
                             "管理层 (feishu): 1 already posted before"]
    assert again.exit_code() == 0
    assert ("全员大群", 2, "markdown", "posted", 2) in ledger_rows(tmp_path)  # one failed try, one good


def test_changed_board_is_posted_again_only_when_asked(robots, environ, fake, tmp_path):
    post([BoardPost(DINGTALK, TITLE, board(10), None)], tmp_path, environ, fake)
    changed = [BoardPost(DINGTALK, TITLE, board(11), None)]

    kept = post(changed, tmp_path, environ, fake)
    assert len(robots.requests) == 1
    assert kept.lines() == ["华东销售部群 (dingtalk): 1 posted before with other content, not posted again "
                            "(pass --repost-changed to post them)"]
    assert kept.exit_code() == 0

    reposted = post(changed, tmp_path, environ, fake, repost_changed=True)
    assert contents(robots.accepted("dingtalk")) == [board(10), board(11)]
    assert reposted.lines() == ["华东销售部群 (dingtalk): 1 posted"]


def test_a_picture_is_known_by_what_it_shows_not_by_its_bytes(robots, environ, fake, tmp_path):
    # The board's picture prints when it was made: a rerun of the same board makes other bytes.
    made_later = io.BytesIO()
    Image.new("RGB", (1080, 320), (250, 250, 251)).save(made_later, format="PNG")
    assert made_later.getvalue() != png()
    post([BoardPost(WECOM, TITLE, board(5), png(), "shows-A")], tmp_path, environ, fake)

    same = post([BoardPost(WECOM, TITLE, board(5), made_later.getvalue(), "shows-A")], tmp_path, environ, fake,
                repost_changed=True)
    assert same.lines() == ["全员大群 (wecom): 2 already posted before"]
    assert len(robots.requests) == 2

    other = post([BoardPost(WECOM, TITLE, board(5), made_later.getvalue(), "shows-B")], tmp_path, environ, fake)
    assert other.lines() == ["全员大群 (wecom): 1 already posted before; 1 posted before with other content, not "
                             "posted again (pass --repost-changed to post them)"]
    assert len(robots.requests) == 2


# --------------------------------------------------------------------------- dry run


def test_dry_run_writes_the_exact_payloads_and_sends_nothing(robots, environ, fake, tmp_path):
    secrets_only = {"SALESPACK_DINGTALK_EAST_SECRET": DINGTALK_SECRET}  # no URLs needed; Feishu's secret unset

    dry = post(three_groups(), tmp_path / "dry", secrets_only, fake, live=False)

    assert robots.requests == []
    assert not (tmp_path / "dry" / "chat-ledger.sqlite").exists()
    assert [path.name for path in dry.written] == (
        [f"0{n}-全员大群-wecom-markdown.json" for n in range(1, 5)] + ["05-全员大群-wecom-image.json"]
        + [f"0{n}-华东销售部群-dingtalk-markdown.json" for n in range(6, 9)] + ["09-管理层-feishu-card.json"])
    assert sorted(p.name for p in (tmp_path / "dry" / "outbox").iterdir()) == [p.name for p in dry.written]
    assert dry.lines() == [
        "全员大群 (wecom): 5 messages written to outbox/, nothing posted (dry run)",
        "华东销售部群 (dingtalk): 3 messages written to outbox/, nothing posted (dry run)",
        "管理层 (feishu): 1 message written to outbox/, nothing posted (dry run); SALESPACK_FEISHU_MGMT_SECRET "
        "is not set: the outbox cards carry no timestamp and sign; live posts are signed"]
    assert dry.exit_code() == 0

    (tmp_path / "live").mkdir()
    post(three_groups(), tmp_path / "live", environ, fake)

    # What was posted is byte for byte what the dry run wrote; Feishu's body adds timestamp and sign.
    received = robots.accepted()
    for path, request in zip(dry.written[:8], received[:8]):
        assert path.read_bytes() == request.raw, path.name
    feishu = json.loads(received[8].raw)
    assert {"timestamp", "sign"} <= set(feishu)
    unsigned = {name: value for name, value in feishu.items() if name not in ("timestamp", "sign")}
    assert json.loads(dry.written[8].read_bytes()) == unsigned


def test_dry_run_signs_feishu_cards_when_the_secret_is_set(fake, tmp_path):
    dry = post([BoardPost(FEISHU, TITLE, board(3), None)], tmp_path, {"SALESPACK_FEISHU_MGMT_SECRET": "s3cret"},
               fake, live=False)

    body = json.loads(dry.written[0].read_bytes())
    assert body["timestamp"] == str(int(fake.now))
    assert body["sign"] == feishu_sign("s3cret", int(fake.now))
    assert dry.notes == {}


# --------------------------------------------------------------------------- per minute


def test_21st_message_to_one_robot_waits_out_the_minute(robots, environ, fake, tmp_path):
    text = "".join(f"第{n:02d}部分 " + "甲" * 1600 + "\n" for n in range(1, 26))  # one line of ~4.8 KB per message
    start = int(fake.now * 1000)

    report = post([BoardPost(DINGTALK, TITLE, text, None)], tmp_path, environ, fake, per_minute=20)

    received = robots.accepted("dingtalk")
    assert len(received) == 25 and report.exit_code() == 0
    assert fake.sleeps == [pytest.approx(60.0)]
    stamps = [int(r.query["timestamp"]) for r in received]
    assert stamps[:20] == [start] * 20  # the first 20 go at once
    assert stamps[20:] == [start + 60_000] * 5  # the 21st after the window's minute


# --------------------------------------------------------------------------- configuration


def test_missing_variable_names_group_and_variable_and_nothing_is_posted(robots, environ, fake, tmp_path):
    del environ["SALESPACK_DINGTALK_EAST"]
    del environ["SALESPACK_FEISHU_MGMT_SECRET"]

    with pytest.raises(ConfigError) as caught:
        post(three_groups(), tmp_path, environ, fake)

    error = caught.value
    assert error.key == "leaderboard.groups[1].webhook_env"
    assert error.exit_code == 2
    assert str(error) == (
        "key 'leaderboard.groups[1].webhook_env': group '华东销售部群' (dingtalk): the environment variable "
        "SALESPACK_DINGTALK_EAST is not set (it holds the robot's webhook URL); group '管理层' (feishu): the "
        "environment variable SALESPACK_FEISHU_MGMT_SECRET is not set (it holds the robot's signing secret). "
        "Nothing was posted to any group. Export the variables in the environment the command runs in (for "
        "cron: in the crontab or the script it runs), then post again.")
    assert robots.requests == []
    assert not (tmp_path / "chat-ledger.sqlite").exists()


@pytest.mark.parametrize("url, problem", [
    ("http://127.0.0.1:abc/robot/send?access_token=t", "its port is not a number from 1 to 65535"),
    ("http://[bad/robot/send?access_token=t", "its host is not valid"),
    ("https://exa mple.com/robot/send?access_token=t", "it contains a space, a tab or a line break"),
    ("https://oapi.dingtalk.com/robot/send?access_token=t\x07", "it contains a control character"),
    ("https://oapi.dingtalk.com/robot/send?access_token=“t”", "it contains '“', which a URL cannot hold"),
    ("https://", "it has no host"),
    ("ftp://x", "it should start with https://"),
], ids=["port", "ipv6", "space", "control", "quote", "no-host", "ftp"])
def test_malformed_url_is_refused_before_any_group_is_posted_to(robots, environ, fake, tmp_path, url, problem):
    environ["SALESPACK_DINGTALK_EAST"] = url  # the second group: the first would have been posted to

    with pytest.raises(ConfigError) as caught:
        post(three_groups(), tmp_path, environ, fake)

    error = caught.value
    assert error.key == "leaderboard.groups[1].webhook_env" and error.exit_code == 2
    assert str(error) == (
        f"key 'leaderboard.groups[1].webhook_env': group '华东销售部群' (dingtalk): SALESPACK_DINGTALK_EAST is not "
        f"a webhook URL ({problem}). Nothing was posted to any group. Copy the webhook URL again from the "
        "robot's settings in the group into the variable, then post again.")
    assert "access_token" not in str(error)  # the URL's query is the robot's credential
    assert robots.requests == [] and fake.sleeps == []
    assert not (tmp_path / "chat-ledger.sqlite").exists()


@pytest.mark.parametrize("url, refusal", [
    ("http://127.0.0.1:abc/robot/send?access_token=t", "InvalidURL"),
    ("http://[bad/robot/send?access_token=t", "ValueError"),
    ("https://exa mple.com/robot/send?access_token=t", "InvalidURL"),
    ("https://oapi.dingtalk.com/robot/send?access_token=“t”", "UnicodeEncodeError"),
], ids=["port", "ipv6", "space", "quote"])
def test_a_malformed_url_the_check_misses_fails_its_group_only(robots, environ, fake, tmp_path, monkeypatch,
                                                               url, refusal):
    # Were the check to let one through, urllib raises as it sends, and not a URLError.
    import pipeline.deliver.chat as chat
    import pipeline.deliver.chat.robots as chat_robots
    monkeypatch.setattr(chat, "url_problem", lambda url: None)
    monkeypatch.setattr(chat_robots, "url_problem", lambda url: None)
    environ["SALESPACK_DINGTALK_EAST"] = url

    report = post(three_groups(), tmp_path, environ, fake)

    assert report.lines() == [
        "全员大群 (wecom): 5 posted",
        f"华东销售部群 (dingtalk): FAILED: SALESPACK_DINGTALK_EAST is not a webhook URL (urllib refused it: "
        f"{refusal}): set SALESPACK_DINGTALK_EAST to the webhook URL the robot's settings in the group show "
        "(2 more not tried)",
        "管理层 (feishu): 1 posted"]
    assert report.exit_code() == 2  # a person must fix it: never retried, never "try again later"
    assert fake.sleeps == []
    assert ("华东销售部群", 1, "markdown", "failed", 1) in ledger_rows(tmp_path)


def test_poster_refuses_a_url_without_host_at_once_not_as_the_network_down(fake):
    from pipeline.deliver.chat.messages import plan_messages
    from pipeline.deliver.chat.robots import Poster, PostFailed, Robot
    (message,), _refusal = plan_messages(WECOM, TITLE, board(1), None)
    poster = Poster(Leaderboard(groups=[WECOM], retries=3, backoff_s=1.0), fake.clock, fake.sleep)

    with pytest.raises(PostFailed) as caught:
        poster.post(message, Robot(WECOM, "https://", None))

    assert caught.value.answer.reason == ("SALESPACK_WECOM_ALL is not a webhook URL (it has no host): set "
                                          "SALESPACK_WECOM_ALL to the webhook URL the robot's settings in the "
                                          "group show")
    assert not caught.value.answer.temporary and caught.value.attempts == 1 and fake.sleeps == []


# --------------------------------------------------------------------------- splitting


def test_split_keeps_every_character_and_cuts_an_overlong_line_between_characters():
    text = "短\n" + "长" * 3000 + "\n尾"  # a line of 9001 bytes between two short ones
    pieces = split_text(text, 4096)
    assert "".join(pieces) == text
    # 1365 characters of 3 bytes fill 4095 bytes; a 1366th would pass 4096
    assert [len(p.encode("utf-8")) for p in pieces] == [4, 4095, 4095, 9001 - 2 * 4095 + 3]
