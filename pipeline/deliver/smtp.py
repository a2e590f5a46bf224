"""Sending over SMTP: STARTTLS, SSL or plain (a local relay), login when a user is
set. Temporary failures (4xx, dropped connections) are retried with backoff; a
permanent one (5xx: bad address, login refused) is final for that letter."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage

from ..config import Delivery

TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, TimeoutError)


class PermanentFailure(Exception):
    pass


class AuthenticationRefused(PermanentFailure):
    pass


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


class Mailer:
    """One connection, reopened when it drops; ``send`` retries temporary failures."""

    def __init__(self, settings: Delivery, password: str | None, sleep=time.sleep):
        self.settings, self.password, self.sleep = settings, password, sleep
        self.connection: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file) if self.settings.ca_file \
            else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            connection = smtplib.SMTP_SSL(s.smtp_host, s.port, timeout=s.timeout_s, context=self._context())
        else:
            connection = smtplib.SMTP(s.smtp_host, s.port, timeout=s.timeout_s)
            if s.security == "starttls":
                connection.starttls(context=self._context())
        if s.user:
            try:
                _login(connection, s.user, self.password or "")
            except smtplib.SMTPAuthenticationError as error:
                connection.close()
                raise AuthenticationRefused(f"login as {s.user} refused ({error.smtp_code})") from None
        return connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def send(self, message: EmailMessage) -> int:
        """Send, retrying temporary failures; returns the attempts it took."""
        wait = self.settings.backoff_s
        for attempt in range(1, self.settings.retries + 2):
            try:
                if self.connection is None:
                    self.connection = self._connect()
                self.connection.send_message(message)
                return attempt
            except AuthenticationRefused:
                raise
            except (smtplib.SMTPException, *TRANSIENT, ssl.SSLError, OSError) as error:
                if _is_permanent(error):
                    raise PermanentFailure(_describe(error)) from None
                self.close()
                if attempt > self.settings.retries:
                    raise ConnectionError(_describe(error)) from None
                self.sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib encodes credentials as ASCII; a password like "s3cret-密码" goes as UTF-8
    AUTH PLAIN instead (RFC 4616)."""
    if (user + password).isascii():
        connection.login(user, password)
        return
    connection.ehlo_or_helo_if_needed()
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = connection.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _describe(error: Exception) -> str:
    code = getattr(error, "smtp_code", None)
    text = getattr(error, "smtp_error", b"")
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        (code, text), = list(error.recipients.values())[:1] or [(None, b"")]
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip() if code else f"{error.__class__.__name__}: {error}"
