"""Mail faults (issue 11, "Messages that point at the cause", SMTP): `salespack send --live`
against real servers on loopback that misbehave.

Every line of the "letters are unsent" listing names the server as host:port. A
server that does not answer is given ``timeout_s`` once, never retried. A server
without STARTTLS, an SSL/plain mismatch, an untrusted certificate or a missing login
is a permanent fault with the setting to change: one connection, no retry, the other
letters listed as not tried. Refused connections and 4xx replies stay temporary and
are retried. Each server counts the connections it was offered.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import threading
import time

import pytest

from pipeline.errors import TRY_AGAIN_LATER
from tests.test_deliver import (PASSWORD, USER, Mailbox, _authenticator, _free_port,  # noqa: F401 - fixtures
                                _no_salespack_environment, outputs, roster, send, sent_rows, start_on_free_port,
                                tls_files, write_config)

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

TIMEOUT_S = 2
HOST = "127.0.0.1"


# --------------------------------------------------------------------------- servers


class CountingController(aiosmtpd_controller.Controller):
    """An aiosmtpd server that counts the connections it is offered."""

    connections = 0

    def factory(self):
        self.connections += 1  # one protocol object per accepted connection, before any TLS handshake
        return super().factory()

    def start(self):
        super().start()
        self.connections = 0  # start() connects once itself, to make the server


class StopsAnswering(Mailbox):
    """Takes ``accept_only`` letters, then never answers the end of a letter's data."""

    async def handle_DATA(self, server, session, envelope):
        if len(self.received) >= self.accept_only:
            self.data_commands += 1
            await asyncio.sleep(600)  # cancelled when the server stops
        return await super().handle_DATA(server, session, envelope)


class SilentServer:
    """Accepts connections and never says a word: no greeting, no TLS handshake."""

    def __init__(self):
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(connection)

    @property
    def connections(self) -> int:
        return len(self.accepted)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        for connection in [*self.accepted, self.listener]:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.stop()


@pytest.fixture
def mail_server(request):
    """Factory: ``mail_server(handler, tls=None | "starttls" | "implicit", login=False)``, an
    aiosmtpd server on 127.0.0.1 that counts connections; stopped at teardown."""
    started = []

    def start(handler=None, tls: str | None = None, login: bool = False) -> CountingController:
        kwargs = {}
        if tls:
            cert, key = request.getfixturevalue("tls_files")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert), str(key))
            kwargs["tls_context" if tls == "starttls" else "ssl_context"] = context
        if login:
            kwargs.update(authenticator=_authenticator, auth_required=True)
        return start_on_free_port(lambda port: CountingController(
            handler or Mailbox(), hostname=HOST, port=port, ready_timeout=10, **kwargs), started)

    yield start
    for controller in started:
        controller.stop()


# --------------------------------------------------------------------------- what the user reads


def readers() -> list[tuple[str, str]]:
    """(name, address) of every letter, in the order they are sent (by employee number)."""
    people = sorted((p for p in roster() if p.active and p.email), key=lambda p: p.rep_id)
    return [(p.name, p.email) for p in people]


def unsent_lines(result) -> list[str]:
    """The listing of unsent letters, one line per letter as printed."""
    listing = result.output.partition("letters are unsent:\n")[2]
    return [line for line in listing.splitlines() if line.startswith("  ")]


def line(reader: tuple[str, str], reason: str) -> str:
    name, address = reader
    return f"  {name} <{address}>: {reason}"


def assert_unsent(result, code: int = TRY_AGAIN_LATER) -> None:
    """Letters left unsent: 75 when waiting may mend it, 2 when a mail setting must change."""
    assert result.exit_code == code, result.output
    assert "Internal error" not in result.output, result.output  # (a test server's own log may hold a traceback)


def assert_rest_not_tried(lines: list[str], after: int, cause: str) -> None:
    assert lines[after + 1:] == [line(reader, f"not tried: {cause}") for reader in readers()[after + 1:]]


def timed_send(outputs, config):
    start = time.monotonic()
    result = send(outputs, config, "--live")
    return result, time.monotonic() - start


# --------------------------------------------------------------------------- servers that do not answer


def test_silent_server_is_given_the_timeout_once(outputs, tmp_path, silent_server):
    config = write_config(tmp_path, smtp_port=silent_server.port, security="starttls", timeout_s=TIMEOUT_S,
                          retries=3, backoff_s=1)

    result, elapsed = timed_send(outputs, config)

    assert_unsent(result)
    server = f"mail server {HOST}:{silent_server.port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{server}: no answer within 2 s; check delivery.smtp_host and "
                                          "delivery.smtp_port, or raise delivery.timeout_s for a slow server")
    assert_rest_not_tried(lines, 0, f"{server}: no answer within 2 s")
    # one wait for the greeting, one for a TLS handshake (is it an implicit-TLS port?), never a retry
    assert silent_server.connections == 2
    assert elapsed < 4 * TIMEOUT_S, f"{elapsed:.1f} s"
    assert sent_rows(outputs / "2026-10") == [(readers()[0][1], "failed")]


def test_server_that_stops_answering_mid_letter(outputs, tmp_path, mail_server):
    mailbox = StopsAnswering()
    mailbox.accept_only = 1
    server = mail_server(mailbox)
    config = write_config(tmp_path, smtp_port=server.port, timeout_s=TIMEOUT_S, retries=3, backoff_s=1)

    result, elapsed = timed_send(outputs, config)

    assert_unsent(result)
    where = f"mail server {HOST}:{server.port}"
    lines = unsent_lines(result)
    assert [item.rcpt_tos for item in mailbox.received] == [[readers()[0][1]]]
    assert lines[0] == line(readers()[1], f"{where}: no answer within 2 s; check delivery.smtp_host and "
                                          "delivery.smtp_port, or raise delivery.timeout_s for a slow server")
    assert lines[1:] == [line(reader, f"not tried: {where}: no answer within 2 s") for reader in readers()[2:]]
    assert (server.connections, mailbox.data_commands) == (1, 2)
    assert elapsed < 3 * TIMEOUT_S, f"{elapsed:.1f} s"


# --------------------------------------------------------------------------- security settings that do not match


def test_server_without_starttls_is_permanent_and_a_rerun_sends_the_rest(outputs, tmp_path, mail_server):
    server = mail_server()  # plain: does not advertise STARTTLS
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", retries=3)

    result = send(outputs, config, "--live")

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{where}: does not offer STARTTLS; set delivery.security to none "
                                          "for a local relay without TLS, or ssl for port 465")
    assert_rest_not_tried(lines, 0, f"{where}: does not offer STARTTLS")
    assert server.connections == 1 and server.handler.received == []

    fixed = write_config(tmp_path, smtp_port=server.port, security="none")
    again = send(outputs, fixed, "--live")
    assert again.exit_code == 0, again.output
    assert sorted(server.handler.recipients()) == sorted(address for _name, address in readers())
    assert [state for _r, state in sent_rows(outputs / "2026-10")] == ["sent"] * len(readers())


def test_ssl_against_a_plain_server_is_permanent(outputs, tmp_path, mail_server):
    server = mail_server()
    config = write_config(tmp_path, smtp_port=server.port, security="ssl", retries=3)

    result = send(outputs, config, "--live")

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{where}: answers in plain text, not TLS; set delivery.security to "
                                          "starttls (port 587) or none (a local relay without TLS)")
    assert_rest_not_tried(lines, 0, f"{where}: answers in plain text, not TLS")
    assert server.connections == 1


@pytest.mark.parametrize("security, trusted", [("starttls", True), ("none", False)])
def test_plain_client_against_an_implicit_tls_server_is_permanent(outputs, tmp_path, mail_server, tls_files,
                                                                  security, trusted):
    """Client and server each wait for the other to speak first; one look for a TLS
    handshake tells it apart from a silent server, whether or not its certificate is trusted."""
    server = mail_server(tls="implicit")
    config = write_config(tmp_path, smtp_port=server.port, security=security, timeout_s=TIMEOUT_S, retries=3,
                          backoff_s=1, **({"ca_file": str(tls_files[0])} if trusted else {}))

    result, elapsed = timed_send(outputs, config)

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{where}: expects TLS from the first byte (implicit TLS); "
                                          "set delivery.security to ssl")
    assert_rest_not_tried(lines, 0, f"{where}: expects TLS from the first byte (implicit TLS)")
    assert server.connections == 2  # the try and the look for TLS
    assert elapsed < 3 * TIMEOUT_S, f"{elapsed:.1f} s"


def test_untrusted_certificate_is_permanent(outputs, tmp_path, mail_server):
    server = mail_server(tls="starttls")
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", retries=3)

    result = send(outputs, config, "--live")

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    name, address = readers()[0]
    # OpenSSL's own words for the certificate vary by version
    assert re.fullmatch(rf"  {name} <{re.escape(address)}>: {re.escape(where)}: certificate not trusted "
                        r"\([^)]+\); set delivery\.ca_file to the CA bundle that signed the server's certificate",
                        unsent_lines(result)[0]), result.output
    assert server.connections == 1


def test_server_without_login_is_permanent(outputs, tmp_path, mail_server, monkeypatch):
    server = mail_server()  # plain, no AUTH offered
    config = write_config(tmp_path, smtp_port=server.port, user=USER, retries=3)
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", PASSWORD)

    result = send(outputs, config, "--live")

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    assert unsent_lines(result)[0] == line(readers()[0], f"{where}: does not offer login (AUTH); remove "
                                                         "delivery.user for a relay that needs no login; many "
                                                         "servers offer login only over TLS")
    assert server.connections == 1


def test_refused_login_names_the_server(outputs, tmp_path, mail_server, tls_files, monkeypatch):
    server = mail_server(tls="starttls", login=True)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER,
                          ca_file=str(tls_files[0]), retries=3)
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", "not-the-password")

    result = send(outputs, config, "--live")

    assert_unsent(result, 2)
    where = f"mail server {HOST}:{server.port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{where}: login as {USER} refused (535); check delivery.user and "
                                          "the password in SALESPACK_SMTP_PASSWORD")
    assert_rest_not_tried(lines, 0, f"{where}: login as {USER} refused (535)")
    assert server.connections == 1


# --------------------------------------------------------------------------- temporary faults stay retried


def test_refused_connection_is_retried_and_names_the_server(outputs, tmp_path):
    port = _free_port()  # nothing listens there
    config = write_config(tmp_path, smtp_port=port, retries=2)

    result = send(outputs, config, "--live")

    assert_unsent(result)
    where = f"mail server {HOST}:{port}"
    lines = unsent_lines(result)
    assert lines[0] == line(readers()[0], f"{where}: Connection refused (3 tries); send again later, and if it "
                                          "persists check delivery.smtp_host and delivery.smtp_port")
    assert_rest_not_tried(lines, 0, f"{where}: Connection refused (3 tries)")


def test_busy_server_is_retried_and_names_the_server(outputs, tmp_path, mail_server):
    mailbox = Mailbox()
    mailbox.accept_only = 0  # 451 at every letter's data
    server = mail_server(mailbox)
    config = write_config(tmp_path, smtp_port=server.port, retries=2)

    result = send(outputs, config, "--live")

    assert_unsent(result)
    where = f"mail server {HOST}:{server.port}"
    assert unsent_lines(result)[0] == line(readers()[0], f"{where}: 451 4.3.0 mailbox busy, try again later "
                                                         "(3 tries); send again later, and if it persists check "
                                                         "delivery.smtp_host and delivery.smtp_port")
    assert (server.connections, mailbox.data_commands) == (3, 3)


# --------------------------------------------------------------------------- one letter refused, and the ledger


def test_refused_address_names_the_server_and_a_later_fault_lists_only_what_is_left(outputs, tmp_path,
                                                                                    mail_server):
    mailbox = Mailbox()
    refused = readers()[1]
    mailbox.refuse = {refused[1]}
    server = mail_server(mailbox)
    config = write_config(tmp_path, smtp_port=server.port)

    first = send(outputs, config, "--live")

    assert_unsent(first, 2)
    where = f"mail server {HOST}:{server.port}"
    assert unsent_lines(first) == [line(refused, f"{where}: 550 5.1.1 <{refused[1]}>: no such mailbox")]
    assert len(mailbox.received) == len(readers()) - 1

    # The server loses STARTTLS (or the config asks for it): only the one letter left is reported.
    second = send(outputs, write_config(tmp_path, smtp_port=server.port, security="starttls"), "--live")

    assert_unsent(second, 2)
    assert unsent_lines(second) == [line(refused, f"{where}: does not offer STARTTLS; set delivery.security to "
                                                  "none for a local relay without TLS, or ssl for port 465")]
    assert "Sent 0; already sent before 16." in second.output
