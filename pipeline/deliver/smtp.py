"""Sending over SMTP: STARTTLS, SSL or plain (a local relay), login when a user is set.

Every failure names the server (``mail server host:port``) and says what to change.
Temporary failures (a refused or dropped connection, a 4xx reply) are retried with
backoff. Final at once: a 5xx reply, for that letter only; and, for every letter, a
login refused, a security setting the server does not match, an untrusted
certificate, and a server that does not answer within ``timeout_s`` (asking a silent
server again only multiplies the wait)."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage

from ..config import Delivery

# A TLS server answers a handshake at once; this only bounds the probe of a silent one.
TLS_PROBE_S = 5.0

# What OpenSSL reports when the server answers a TLS handshake with plain text (its
# "220" greeting); OpenSSL 3.2 and later call it a record layer failure.
PLAIN_TEXT_ANSWER = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE"}

NO_STARTTLS = "set delivery.security to none for a local relay without TLS, or ssl for port 465"
NOT_TLS = "set delivery.security to starttls (port 587) or none (a local relay without TLS)"
IMPLICIT_TLS = "set delivery.security to ssl"
UNTRUSTED = "set delivery.ca_file to the CA bundle that signed the server's certificate"
NO_AUTH = "remove delivery.user for a relay that needs no login; many servers offer login only over TLS"
LOGIN_REFUSED = "check delivery.user and the password in SALESPACK_SMTP_PASSWORD"
NO_ANSWER = "check delivery.smtp_host and delivery.smtp_port, or raise delivery.timeout_s for a slow server"
UNAVAILABLE = "send again later, and if it persists check delivery.smtp_host and delivery.smtp_port"


class MailError(Exception):
    """A failure as the user reads it: ``cause`` names the server and what happened,
    ``remedy`` what to change; ``attempts`` is how many tries were made."""

    attempts = 1

    def __init__(self, cause: str, remedy: str = ""):
        self.cause, self.remedy = cause, remedy
        super().__init__(f"{cause}; {remedy}" if remedy else cause)


class PermanentFailure(MailError):
    """The server refused this letter for good (5xx); the next letters may still go."""


class ServerFailure(MailError):
    """No letter can go through this server now: the next would fail the same way."""

    @property
    def temporary(self) -> bool:
        """Waiting may mend it (a server down or silent); otherwise a setting must change."""
        return self.remedy in (UNAVAILABLE, NO_ANSWER)


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _timed_out(error: BaseException) -> bool:
    """smtplib reports a read that timed out as a dropped connection, the timeout as its context."""
    return isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError)


class Mailer:
    """One connection, reopened when it drops; ``send`` retries temporary failures."""

    def __init__(self, settings: Delivery, password: str | None, sleep=time.sleep):
        self.settings, self.password, self.sleep = settings, password, sleep
        self.connection: smtplib.SMTP | None = None
        host = f"[{settings.smtp_host}]" if ":" in settings.smtp_host else settings.smtp_host  # an IPv6 address
        self.server = f"mail server {host}:{settings.port}"

    def send(self, message: EmailMessage) -> int:
        """Send, retrying temporary failures; returns the attempts it took."""
        wait = self.settings.backoff_s
        for attempt in range(1, self.settings.retries + 2):
            try:
                self._send_once(message)
                return attempt
            except MailError as error:
                error.attempts = attempt
                raise
            except OSError as error:  # smtplib's and ssl's errors are OSErrors too
                self.close()
                if attempt > self.settings.retries:
                    raise ServerFailure(f"{self.server}: {_describe(error)} ({attempt} tries)", UNAVAILABLE) from None
                self.sleep(wait)
                wait *= 2
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _abandon(self) -> None:
        """Drop the connection without QUIT, which a silent server would make wait again."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _send_once(self, message: EmailMessage) -> None:
        """One try; a failure that waiting cannot mend comes out as a MailError."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.send_message(message)
        except OSError as error:
            if _is_permanent(error):
                raise PermanentFailure(f"{self.server}: {_describe(error)}") from None
            if _timed_out(error):
                self._abandon()
                raise ServerFailure(f"{self.server}: no answer within {self.settings.timeout_s:g} s",
                                    NO_ANSWER) from None
            raise

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file) if self.settings.ca_file \
            else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        connection = self._open()
        try:
            if self.settings.security == "starttls":
                self._starttls(connection)
            if self.settings.user:
                self._login(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _open(self) -> smtplib.SMTP:
        """Connect and read the greeting, after the TLS handshake with ``security: ssl``."""
        s = self.settings
        try:
            if s.security == "ssl":
                return smtplib.SMTP_SSL(s.smtp_host, s.port, timeout=s.timeout_s, context=self._context())
            return smtplib.SMTP(s.smtp_host, s.port, timeout=s.timeout_s)
        except ssl.SSLError as error:
            raise self._tls_failure(error) from None
        except OSError as error:
            # A plain client and an implicit-TLS server each wait for the other to speak first.
            if _timed_out(error) and s.security != "ssl" and self._speaks_tls():
                raise ServerFailure(f"{self.server}: expects TLS from the first byte (implicit TLS)",
                                    IMPLICIT_TLS) from None
            raise

    def _speaks_tls(self) -> bool:
        """Whether the server completes a TLS handshake; nothing is sent over it."""
        s = self.settings
        try:
            with socket.create_connection((s.smtp_host, s.port), timeout=min(s.timeout_s, TLS_PROBE_S)) as raw, \
                    self._context().wrap_socket(raw, server_hostname=s.smtp_host):
                return True
        except ssl.SSLCertVerificationError:
            return True  # a TLS server, whoever signed its certificate
        except OSError:
            return False

    def _starttls(self, connection: smtplib.SMTP) -> None:
        try:
            connection.starttls(context=self._context())
        except smtplib.SMTPNotSupportedError:
            raise ServerFailure(f"{self.server}: does not offer STARTTLS", NO_STARTTLS) from None
        except ssl.SSLError as error:
            raise self._tls_failure(error) from None

    def _tls_failure(self, error: ssl.SSLError) -> Exception:
        """What a failed handshake says about the settings; the error itself (retried as
        temporary) when it says nothing about them."""
        if isinstance(error, ssl.SSLCertVerificationError):
            return ServerFailure(f"{self.server}: certificate not trusted ({error.verify_message})", UNTRUSTED)
        if error.reason in PLAIN_TEXT_ANSWER:
            return ServerFailure(f"{self.server}: answers in plain text, not TLS", NOT_TLS)
        return error

    def _login(self, connection: smtplib.SMTP) -> None:
        user = self.settings.user
        try:
            _login(connection, user, self.password or "")
        except smtplib.SMTPNotSupportedError:
            raise ServerFailure(f"{self.server}: does not offer login (AUTH)", NO_AUTH) from None
        except smtplib.SMTPAuthenticationError as error:
            raise ServerFailure(f"{self.server}: login as {user} refused ({error.smtp_code})",
                                LOGIN_REFUSED) from None


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
    if code:
        return f"{code} {text}".strip()
    if isinstance(error, OSError) and error.strerror:
        return error.strerror  # "Connection refused", without "[Errno 111]"
    return str(error) or error.__class__.__name__
