"""The chat messages of one board for one group, as the platform takes them: the board's
markdown cut to the platform's size limit (in order, at line ends), and for WeCom the
PNG as an image message. These are the JSON bodies before signing; signing belongs to
the moment of posting (``robots.py``), since the signatures carry a timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterator

from ...config import ChatGroup

log = logging.getLogger("salespack")

# WeCom group robot: "markdown.content 最长不超过 4096 个字节，必须是 utf8 编码" (answer 40058 beyond).
WECOM_MARKDOWN_BYTES = 4096
# WeCom image message: "图片（base64 编码前）最大不能超过 2M，支持 JPG、PNG 格式".
WECOM_IMAGE_BYTES = 2 * 1024 * 1024
# DingTalk custom robot: its documents allow about 20,000 characters, but a long markdown
# message renders poorly on phones (collapsed, slow to open); we cut at 5,000 UTF-8 bytes,
# about 1,600 Chinese characters, a board a reader can take in one screen at a time.
DINGTALK_MARKDOWN_BYTES = 5000
# Feishu custom bot: "请求体大小不能超过 20 KB" (answer 9499 beyond). The card's markdown is
# measured as it travels, JSON-escaped (a newline costs 2 bytes), and held to 18,000 bytes,
# which leaves the header, title, timestamp and sign 2 KB or more of the 20 KB.
FEISHU_BODY_BYTES = 20 * 1024
FEISHU_CONTENT_BYTES = 18_000

PNG_MAGIC, JPEG_MAGIC = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"


@dataclass(frozen=True)
class Message:
    """One POST to one group's robot: the ``number``-th of the ``count`` messages its board
    takes; ``kind`` is markdown, image or card; ``payload`` the JSON body before signing."""

    group: ChatGroup
    number: int
    count: int
    kind: str
    payload: dict
    shown_checksum: str | None = None  # of what it shows, for a payload that differs on every run (the picture)

    @cached_property
    def checksum(self) -> str:
        """What the ledger compares: ``shown_checksum`` when given (the board's picture prints
        when it was made), else of the content as posted, without the signature (which changes
        with the time)."""
        if self.shown_checksum is not None:
            return self.shown_checksum
        canonical = json.dumps(self.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.group.name} ({self.group.platform})"


def body_bytes(payload: dict) -> bytes:
    """The bytes POSTed (and written to outbox/ in a dry run): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def json_size(text: str) -> int:
    """Bytes of ``text`` inside a JSON string (escapes counted); additive over pieces."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def split_text(text: str, limit: int, size: Callable[[str], int] = utf8_size) -> list[str]:
    """Pieces of at most ``limit`` (as ``size`` counts) whose concatenation is ``text``:
    cut at line ends; a single line longer than the limit is cut between characters."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        for part in _cut_long_line(line, limit, size):
            length = size(part)
            if current and used + length > limit:
                pieces.append("".join(current))
                current, used = [], 0
            current.append(part)
            used += length
    if current:
        pieces.append("".join(current))
    return pieces


def _cut_long_line(line: str, limit: int, size: Callable[[str], int]) -> Iterator[str]:
    if size(line) <= limit:
        yield line
        return
    start, used = 0, 0
    for index, character in enumerate(line):
        length = size(character)
        if used + length > limit:
            yield line[start:index]
            start, used = index, 0
        used += length
    yield line[start:]


# --------------------------------------------------------------------------- payloads


def wecom_markdown(content: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": content}}


def wecom_image(image: bytes) -> dict:
    """WeCom's image message: the picture in base64 and the md5 of the raw bytes (not of the base64)."""
    return {"msgtype": "image", "image": {"base64": base64.b64encode(image).decode("ascii"),
                                          "md5": hashlib.md5(image).hexdigest()}}


def dingtalk_markdown(title: str, text: str) -> dict:
    """DingTalk's markdown message; ``title`` is what the conversation list shows."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def feishu_card(title: str, content: str) -> dict:
    """A Feishu interactive card: a plain-text header and one markdown element."""
    return {"msg_type": "interactive",
            "card": {"header": {"title": {"tag": "plain_text", "content": title}},
                     "elements": [{"tag": "markdown", "content": content}]}}


def numbered(title: str, number: int, count: int) -> str:
    """A split board's parts say which part they are: "业绩排行榜 2026-11-27 (2/3)"."""
    return title if count == 1 else f"{title} ({number}/{count})"


# --------------------------------------------------------------------------- planning


def image_refusal(image: bytes) -> str | None:
    """Why WeCom would refuse this picture (over 2 MB, not a PNG or JPG), in plain words."""
    if len(image) > WECOM_IMAGE_BYTES:
        return (f"the board's picture is {len(image) / 1024 / 1024:.1f} MB and WeCom takes images up to 2 MB, "
                "so it was not posted (the text was): make the board image smaller, then post again")
    if not image.startswith((PNG_MAGIC, JPEG_MAGIC)):
        return "the board's picture is neither a PNG nor a JPG, which WeCom needs, so it was not posted"
    return None


def plan_messages(group: ChatGroup, title: str, markdown: str, image: bytes | None,
                  image_checksum: str | None = None) -> tuple[list[Message], str | None]:
    """The messages ``group`` gets for one board, in posting order, and why its picture
    is left out when WeCom would refuse it (the text still goes). ``image_checksum``: what
    the picture shows, the ledger's checksum for its message (else that of its bytes)."""
    if group.platform == "wecom":
        return _wecom(group, markdown, image, image_checksum)
    if image is not None:
        # DingTalk robots take a picture only as a public URL, Feishu bots only as an image_key
        # uploaded by an app: neither can take the PNG itself, and the markdown is the whole board.
        log.info("%s (%s): the board's picture is not posted (its robot takes no image upload); "
                 "the markdown carries the board", group.name, group.platform)
    if group.platform == "dingtalk":
        texts = split_text(markdown, DINGTALK_MARKDOWN_BYTES)
        return [Message(group, number, len(texts), "markdown",
                        dingtalk_markdown(numbered(title, number, len(texts)), text))
                for number, text in enumerate(texts, start=1)], None
    contents = split_text(markdown, FEISHU_CONTENT_BYTES, json_size)
    return [Message(group, number, len(contents), "card", feishu_card(numbered(title, number, len(contents)), text))
            for number, text in enumerate(contents, start=1)], None


def _wecom(group: ChatGroup, markdown: str, image: bytes | None,
           image_checksum: str | None) -> tuple[list[Message], str | None]:
    """The markdown in pieces of at most 4096 bytes, then the picture."""
    payloads = [("markdown", wecom_markdown(text)) for text in split_text(markdown, WECOM_MARKDOWN_BYTES)]
    refusal = image_refusal(image) if image is not None else None
    if image is not None and refusal is None:
        payloads.append(("image", wecom_image(image)))
    return [Message(group, number, len(payloads), kind, payload, image_checksum if kind == "image" else None)
            for number, (kind, payload) in enumerate(payloads, start=1)], refusal
