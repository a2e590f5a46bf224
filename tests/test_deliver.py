"""Delivery (issue "Delivery and cron"): `salespack send` against real SMTP servers on
loopback (aiosmtpd), on a copy of the sample org's period folder.

Who should get what is worked out here from the roster file and the period folder's
files (never from the pipeline's own plan):

    E001 陈国栋 director        -> the full pack (summary-pack.pdf)
    E002..E004 managers         -> their team's pack (teams/<team>.pdf) + their certificate(s)
    active reps with an email   -> their certificate(s) for 2026-11
    E013 郑晓东 (inactive), E017 马晓雪 (no email) -> nothing, listed as "Not mailed"

Every server is started by a fixture on 127.0.0.1 and stopped at teardown.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import shutil
import socket
import sqlite3
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from tests.conftest import SAMPLE_CONFIG, SAMPLE_INPUTS, invoke

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

PERIOD = "2026-10"
COMING = "2026-11"
PACK_NAME = f"销售总结会资料-{PERIOD}.pdf"
TEAMS = ("华东销售部", "华南销售部", "华北销售部")
USER, PASSWORD = "mailer", "s3cret-pw"
SENDER = "sales-reports@jnjg.example.cn"


# --------------------------------------------------------------------------- environment


@pytest.fixture(autouse=True)
def _no_salespack_environment(monkeypatch):
    """Settings come from the test's config only, whatever the caller's shell exports."""
    for name in ("SALESPACK_SMTP_HOST", "SALESPACK_SMTP_PORT", "SALESPACK_SMTP_SECURITY",
                 "SALESPACK_SMTP_USER", "SALESPACK_SMTP_PASSWORD", "SALESPACK_MAIL_FROM",
                 "SALESPACK_SMTP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------- SMTP servers


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class Mailbox:
    """aiosmtpd handler that keeps what it accepts and can be told to misbehave:
    ``accept_only`` n messages then 451 (or a dropped connection) at DATA, or 550 at
    RCPT for the addresses in ``refuse``."""

    def __init__(self):
        self.received: list[Received] = []
        self.accept_only: int | None = None
        self.when_full = "451"  # or "drop"
        self.refuse: set[str] = set()
        self.data_commands = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.data_commands += 1
            if self.accept_only is not None and len(self.received) >= self.accept_only:
                if self.when_full == "drop":
                    server.transport.close()  # the client reads EOF instead of a reply
                    return "421 4.3.0 gone"
                return "451 4.3.0 mailbox busy, try again later"
            auth = session.auth_data if session.authenticated else None
            login = auth.login.decode() if isinstance(auth, aiosmtpd_smtp.LoginPassword) else None
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login))
        return "250 2.0.0 OK"

    # what the tests read
    def recipients(self) -> list[str]:
        return [rcpt for item in self.received for rcpt in item.rcpt_tos]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, aiosmtpd_smtp.LoginPassword)
          and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False, auth_data=auth_data)


@dataclass
class Server:
    port: int
    mailbox: Mailbox


def start_on_free_port(make_controller, started: list):
    """``make_controller(port)`` started on a free loopback port and added to ``started``;
    bounded: another process may take a port between the probe and the bind."""
    for _attempt in range(5):
        controller = make_controller(_free_port())
        try:
            controller.start()
        except Exception:  # noqa: BLE001 - try another port
            continue
        started.append(controller)
        return controller
    raise RuntimeError("could not start an SMTP server on 127.0.0.1")


@pytest.fixture
def smtp_server():
    """Factory: ``smtp_server(security="none"|"starttls"|"ssl", tls=(cert, key))``. Every
    server it starts listens on 127.0.0.1 only and is stopped at teardown."""
    started = []

    def start(security: str = "none", tls: tuple[Path, Path] | None = None) -> Server:
        import ssl
        mailbox = Mailbox()
        kwargs = {}
        if security != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(authenticator=_authenticator, auth_required=True)
            if security == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:  # implicit TLS: aiosmtpd only counts STARTTLS as TLS for AUTH
                kwargs.update(ssl_context=context, auth_require_tls=False)
        controller = start_on_free_port(lambda port: aiosmtpd_controller.Controller(
            mailbox, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs), started)
        return Server(controller.port, mailbox)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made now (nothing committed)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl CLI not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


# --------------------------------------------------------------------------- period folder and config


@pytest.fixture
def outputs(sample_run, tmp_path) -> Path:
    """A private copy of the sample run's period folder (nothing mailed yet)."""
    out = tmp_path / "out"
    shutil.copytree(sample_run, out / PERIOD, ignore=shutil.ignore_patterns("outbox", "ledger.sqlite*"))
    return out


def write_config(tmp_path: Path, **delivery) -> Path:
    settings = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    settings["delivery"] = {"smtp_host": "127.0.0.1", "security": "none", "mail_from": SENDER,
                            "retries": 2, "backoff_s": 0.01, "timeout_s": 5, **delivery}
    path = tmp_path / "salespack.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def send(outputs: Path, config: Path, *extra: str):
    return invoke("send", "--outputs", str(outputs), "--inputs", str(SAMPLE_INPUTS), "--period", PERIOD,
                  "--config", str(config), *extra)


def sent_rows(folder: Path) -> list[tuple[str, str]]:
    """(recipient, state) of the ledger's rows; none when there is no ledger."""
    path = folder / "ledger.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        return connection.execute("select recipient, state from letters").fetchall()


# --------------------------------------------------------------------------- expectations


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Person:
    rep_id: str
    name: str
    role: str
    team: str | None
    email: str | None
    active: bool


def roster() -> list[Person]:
    frame = pd.read_excel(SAMPLE_INPUTS / "roster.xlsx", dtype=str)
    roles = {"总监": "director", "经理": "manager", "代表": "rep"}
    return [Person(row["工号"], row["姓名"], roles[row["岗位"]], row["团队"] if isinstance(row["团队"], str) else None,
                   row["邮箱"] if isinstance(row["邮箱"], str) else None, row["在职"] == "是")
            for _i, row in frame.iterrows()]


def certificate_files(folder: Path, rep_id: str) -> list[Path]:
    found = sorted((folder / "certificates").glob(f"{rep_id}-{COMING}*.pdf"))
    assert found, f"the sample run has no certificate for {rep_id} ({COMING})"
    return found


def expected_letters(folder: Path) -> dict[str, dict]:
    """address -> {"person": Person, "files": [(path, the attachment name expected, or None)]}."""
    expected = {}
    for person in roster():
        if not person.active or not person.email:
            continue
        files: list[tuple[Path, str | None]] = []
        if person.role == "director":
            files.append((folder / "summary-pack.pdf", PACK_NAME))
        else:
            if person.role == "manager":
                files.append((folder / "teams" / f"{person.team}.pdf", f"{person.team}-{PACK_NAME}"))
            files += [(path, None) for path in certificate_files(folder, person.rep_id)]
        expected[person.email] = {"person": person, "files": files}
    return expected


def attachments(message) -> list[tuple[str, bytes]]:
    return [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]


def check_letter(message, want: dict, folder: Path) -> None:
    person = want["person"]
    got = attachments(message)
    assert sorted(sha(data) for _n, data in got) == sorted(sha(path.read_bytes()) for path, _n in want["files"]), \
        f"{person.rep_id} {person.name}: attachments are not exactly their documents: {[n for n, _d in got]}"
    by_sha = {sha(data): name for name, data in got}
    for path, name in want["files"]:
        shown = by_sha[sha(path.read_bytes())]
        if name is not None:
            assert shown == name, f"{person.rep_id}: attachment {path.name} is named {shown!r}, expected {name!r}"
        else:  # a certificate: the reader sees whose and for which period
            assert shown.endswith(".pdf") and person.name in shown and COMING in shown, shown


# --------------------------------------------------------------------------- dry run


def test_dry_run_is_the_default_writes_eml_and_sends_nothing(outputs, tmp_path, smtp_server):
    server = smtp_server()
    config = write_config(tmp_path, smtp_port=server.port)
    folder = outputs / PERIOD

    result = send(outputs, config)

    assert result.exit_code == 0, result.output
    assert "DRY RUN" in result.output
    assert server.mailbox.received == [] and server.mailbox.data_commands == 0
    assert not [row for row in sent_rows(folder) if row[1] == "sent"]
    emls = sorted((folder / "outbox").glob("*.eml"))
    expected = expected_letters(folder)
    assert len(emls) == len(expected) == 17
    seen = {}
    for path in emls:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        address = message["To"].addresses[0].addr_spec
        assert address not in seen, f"two .eml files for {address}"
        seen[address] = message
        check_letter(message, expected[address], folder)
    assert set(seen) == set(expected)
    assert "Not mailed" in result.output and "E013" in result.output and "E017" in result.output


def test_dry_run_includes_leadership_addresses_from_config(outputs, tmp_path):
    config = write_config(tmp_path, smtp_port=1, leadership=["board@jnjg.example.cn"])
    folder = outputs / PERIOD
    result = send(outputs, config)
    assert result.exit_code == 0, result.output
    board = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in (folder / "outbox").glob("*.eml")]
    board = [m for m in board if m["To"].addresses[0].addr_spec == "board@jnjg.example.cn"]
    assert len(board) == 1
    assert [(n, sha(d)) for n, d in attachments(board[0])] == \
        [(PACK_NAME, sha((folder / "summary-pack.pdf").read_bytes()))]


# --------------------------------------------------------------------------- live, plain relay


def _pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def _money_forms(value: float) -> tuple[str, str]:
    """The headline amount as the zh text writes it (万元) and the en text (CNY k)."""
    return f"{value / 10000:,.2f}", f"{value / 1000:,.2f}"


def test_live_each_reader_gets_exactly_their_documents(outputs, tmp_path, smtp_server):
    server = smtp_server()
    config = write_config(tmp_path, smtp_port=server.port)
    folder = outputs / PERIOD
    expected = expected_letters(folder)

    result = send(outputs, config, "--live")

    assert result.exit_code == 0, result.output
    assert "DRY RUN" not in result.output
    received = server.mailbox.received
    assert sorted(server.mailbox.recipients()) == sorted(expected), result.output
    assert all(len(item.rcpt_tos) == 1 and item.mail_from == SENDER for item in received)

    # nobody else: the inactive rep and the rep without an email are listed, not mailed
    assert "Not mailed" in result.output
    for rep_id, name in (("E013", "郑晓东"), ("E017", "马晓雪")):
        assert rep_id in result.output and name in result.output
    assert "zhengxiaodong@jnjg.example.cn" not in server.mailbox.recipients()

    people = {p.rep_id: p for p in roster()}
    messages = {item.rcpt_tos[0]: item.message for item in received}
    for address, message in messages.items():
        assert message["To"].addresses[0].addr_spec == address
        check_letter(message, expected[address], folder)
    for item in received:  # Chinese names travel as filename*=utf-8''%E9... (RFC 2231), never raw UTF-8
        names = [line for line in item.data.split(b"\n") if b"filename" in line]
        assert names and all(line.isascii() and b"filename*" in line for line in names), names
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in part.get_filename())
                   for part in item.message.iter_attachments())

    # the director: the full pack only
    director = messages[people["E001"].email]
    assert [name for name, _d in attachments(director)] == [PACK_NAME]

    # each manager: their own team's pack, which names no other team
    for rep_id, team in (("E002", "华东销售部"), ("E003", "华南销售部"), ("E004", "华北销售部")):
        got = dict(attachments(messages[people[rep_id].email]))
        pack = got[f"{team}-{PACK_NAME}"]
        assert pack == (folder / "teams" / f"{team}.pdf").read_bytes()
        text = _pdf_text(pack, tmp_path, f"{rep_id}.pdf")
        assert team in text
        for other in TEAMS:
            if other != team:
                assert other not in text, f"{team}'s pack (to {rep_id}) names {other}"
        outsiders = [p.name for p in people.values() if p.team and p.team != team]
        assert not [name for name in outsiders if name in text], f"{team}'s pack names people of other teams"
        assert not any(name.startswith(tuple(TEAMS)) and not name.startswith(team) for name in got)

    # the text: headline figures, zh and en, taken from kpis.xlsx
    book = openpyxl.load_workbook(folder / "kpis.xlsx", read_only=True, data_only=True)
    company = dict(zip(*list(book["company"].iter_rows(values_only=True))[:2]))
    teams = {row[0]: dict(zip(header, row)) for header in [next(book["teams"].iter_rows(values_only=True))]
             for row in list(book["teams"].iter_rows(values_only=True))[1:]}
    for body_of, figures in ((director, company), (messages[people["E003"].email], teams["华南销售部"])):
        body = body_of.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP line ends
        zh, _sep, en = body.partition("\n----\n")
        assert en, f"the body is not bilingual: {body!r}"
        wan, thousands = _money_forms(figures["revenue"])
        attainment = f"{figures['attainment'] * 100:.1f}%"
        assert "销售额" in zh and wan in zh and "万元" in zh and attainment in zh, zh
        assert "Revenue" in en and thousands in en and attainment in en, en
        assert body_of.get_body(("plain",)).get_content_type() == "text/plain"


# --------------------------------------------------------------------------- TLS and login


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login_delivers_everything(outputs, tmp_path, smtp_server, tls_files, monkeypatch, security):
    server = smtp_server(security, tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security=security, user=USER,
                          ca_file=str(tls_files[0]))
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", PASSWORD)

    result = send(outputs, config, "--live")

    assert result.exit_code == 0, result.output
    assert sorted(server.mailbox.recipients()) == sorted(expected_letters(outputs / PERIOD))
    assert {item.login for item in server.mailbox.received} == {USER}
    assert [state for _r, state in sent_rows(outputs / PERIOD)] == ["sent"] * 17


def test_ca_file_from_environment(outputs, tmp_path, smtp_server, tls_files, monkeypatch):
    server = smtp_server("starttls", tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER)
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SALESPACK_SMTP_CA_FILE", str(tls_files[0]))
    result = send(outputs, config, "--live")
    assert result.exit_code == 0, result.output
    assert len(server.mailbox.received) == 17


def test_wrong_password_is_refused_and_nothing_is_recorded_as_sent(outputs, tmp_path, smtp_server, tls_files,
                                                                   monkeypatch):
    server = smtp_server("starttls", tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER,
                          ca_file=str(tls_files[0]))
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", "not-the-password")

    result = send(outputs, config, "--live")

    assert result.exit_code != 0, result.output
    assert "login" in result.output.lower() and "refused" in result.output.lower(), result.output
    assert "Traceback" not in result.output
    assert server.mailbox.received == []
    assert not [row for row in sent_rows(outputs / PERIOD) if row[1] == "sent"]


def test_untrusted_certificate_is_not_used(outputs, tmp_path, smtp_server, tls_files, monkeypatch):
    """No CA given for a self-signed relay: nothing is sent (and no plaintext fallback)."""
    server = smtp_server("starttls", tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER)
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", PASSWORD)
    result = send(outputs, config, "--live")
    assert result.exit_code != 0, result.output
    assert "certificate" in result.output.lower(), result.output
    assert server.mailbox.received == []
    assert not [row for row in sent_rows(outputs / PERIOD) if row[1] == "sent"]


# --------------------------------------------------------------------------- failures and reruns


@pytest.mark.parametrize("failure", ["451", "drop"])
def test_failure_after_third_message_then_rerun_sends_only_the_rest(outputs, tmp_path, smtp_server, failure):
    server = smtp_server()
    mailbox = server.mailbox
    mailbox.accept_only, mailbox.when_full = 3, failure
    config = write_config(tmp_path, smtp_port=server.port)
    everyone = set(expected_letters(outputs / PERIOD))

    first = send(outputs, config, "--live")

    assert first.exit_code != 0, first.output
    assert "Traceback" not in first.output
    assert len(mailbox.received) == 3
    delivered = set(mailbox.recipients())
    unsent = everyone - delivered
    assert len(unsent) == 14
    assert "unsent" in first.output
    missing = [address for address in unsent if address not in first.output]
    assert not missing, f"the output does not name these unsent recipients: {missing}\n{first.output}"
    for address in delivered:
        assert address not in first.output.partition("unsent")[2], f"{address} was sent but is listed as unsent"
    assert sorted(r for r, state in sent_rows(outputs / PERIOD) if state == "sent") == sorted(delivered)

    mailbox.accept_only = None  # the server is healthy again
    second = send(outputs, config, "--live")

    assert second.exit_code == 0, second.output
    assert len(mailbox.received) == 17, second.output
    assert set(item.rcpt_tos[0] for item in mailbox.received[3:]) == unsent
    assert len(set(mailbox.recipients())) == 17, "a recipient got two copies"
    ids = [item.message["Message-ID"] for item in mailbox.received]
    assert len(set(ids)) == 17, "the same Message-ID arrived twice"

    third = send(outputs, config, "--live")
    assert third.exit_code == 0, third.output
    assert len(mailbox.received) == 17
    assert "already sent" in third.output and "17" in third.output
    assert "Sent 0" in third.output


def test_permanent_failure_of_one_address(outputs, tmp_path, smtp_server):
    server = smtp_server()
    bad = "huanglijuan@jnjg.example.cn"
    server.mailbox.refuse = {bad}
    config = write_config(tmp_path, smtp_port=server.port)
    everyone = set(expected_letters(outputs / PERIOD))

    result = send(outputs, config, "--live")

    assert result.exit_code != 0, result.output
    unsent_part = result.output.partition("unsent")[2]
    assert bad in unsent_part and "550" in unsent_part, result.output
    assert sorted(server.mailbox.recipients()) == sorted(everyone - {bad})
    others = [a for a in everyone - {bad} if a in unsent_part]
    assert not others, f"only {bad} is unsent, the output lists {others}"
    assert ("huanglijuan@jnjg.example.cn", "failed") in sent_rows(outputs / PERIOD)

    # the address is fixed at the relay: a rerun sends exactly the one that failed
    server.mailbox.refuse = set()
    again = send(outputs, config, "--live")
    assert again.exit_code == 0, again.output
    assert server.mailbox.recipients()[16:] == [bad]


def test_resend_changed_sends_only_the_changed_letters(outputs, sample_copy, tmp_path, smtp_server):
    """E005's pledge for next month is corrected and the month rerun: the ledger outlives the
    rerun, and only letters whose documents changed (E005's certificate, and the packs, which
    carry the run's time) are sent again, and only when asked."""
    server = smtp_server()
    config = write_config(tmp_path, smtp_port=server.port)
    folder = outputs / PERIOD
    assert send(outputs, config, "--live").exit_code == 0
    assert len(server.mailbox.received) == 17
    before = {p: sha(p.read_bytes()) for p in folder.rglob("*.pdf")}

    pledges = sample_copy / "pledges.csv"
    text = pledges.read_bytes().decode("gb18030")
    assert "2026-11,E005,个人,500000,300," in text
    pledges.write_bytes(text.replace("2026-11,E005,个人,500000,300,", "2026-11,E005,个人,520000,300,")
                        .encode("gb18030"))
    rerun = invoke("run", "--inputs", str(sample_copy), "--outputs", str(outputs), "--period", PERIOD,
                   "--config", str(config))
    assert rerun.exit_code == 0, rerun.output
    changed_files = {p for p, digest in before.items() if sha(p.read_bytes()) != digest}
    changed, = certificate_files(folder, "E005")  # 张伟
    assert changed in changed_files
    expected = expected_letters(folder)
    resent = {address for address, want in expected.items() if {f for f, _n in want["files"]} & changed_files}
    assert "zhangwei@jnjg.example.cn" in resent and len(resent) < len(expected)

    def send_now(*extra):
        return invoke("send", "--outputs", str(outputs), "--inputs", str(sample_copy), "--period", PERIOD,
                      "--config", str(config), "--live", *extra)

    plain = send_now()
    assert plain.exit_code == 0, plain.output
    assert len(server.mailbox.received) == 17, "a changed letter was sent again without --resend-changed"
    assert "zhangwei@jnjg.example.cn" in plain.output and "--resend-changed" in plain.output, plain.output
    assert "not sent again" in plain.output

    again = send_now("--resend-changed")
    assert again.exit_code == 0, again.output
    assert sorted(to for m in server.mailbox.received[17:] for to in m.rcpt_tos) == sorted(resent)
    to_zhang, = [m for m in server.mailbox.received[17:] if m.rcpt_tos == ["zhangwei@jnjg.example.cn"]]
    assert [sha(d) for _n, d in attachments(to_zhang.message)] == [sha(changed.read_bytes())]

    settled = send_now()
    assert settled.exit_code == 0 and len(server.mailbox.received) == 17 + len(resent), settled.output
    assert "not sent again" not in settled.output


# --------------------------------------------------------------------------- environment overrides


def test_environment_overrides_the_config(outputs, tmp_path, smtp_server, tls_files, monkeypatch):
    server = smtp_server("starttls", tls_files)
    # a config that points elsewhere: nothing listens on 127.0.0.2:1, plain, another sender, no login
    config = write_config(tmp_path, smtp_host="127.0.0.2", smtp_port=1, security="none",
                          mail_from="config-sender@example.invalid", user=None)
    env_sender = "env-sender@jnjg.example.cn"
    monkeypatch.setenv("SALESPACK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SALESPACK_SMTP_PORT", str(server.port))
    monkeypatch.setenv("SALESPACK_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("SALESPACK_SMTP_USER", USER)
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SALESPACK_MAIL_FROM", env_sender)
    monkeypatch.setenv("SALESPACK_SMTP_CA_FILE", str(tls_files[0]))

    result = send(outputs, config, "--live")

    assert result.exit_code == 0, result.output
    received = server.mailbox.received
    assert len(received) == 17
    assert {item.mail_from for item in received} == {env_sender}
    assert {item.message["From"].addresses[0].addr_spec for item in received} == {env_sender}
    assert {item.login for item in received} == {USER}


def test_password_only_from_environment(outputs, tmp_path, smtp_server, tls_files):
    """A user in config and no SALESPACK_SMTP_PASSWORD: login refused, nothing sent."""
    server = smtp_server("starttls", tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER,
                          ca_file=str(tls_files[0]))
    result = send(outputs, config, "--live")
    assert result.exit_code != 0, result.output
    assert server.mailbox.received == []


def test_non_ascii_password(outputs, tmp_path, smtp_server, tls_files, monkeypatch):
    server = smtp_server("starttls", tls_files)
    config = write_config(tmp_path, smtp_port=server.port, security="starttls", user=USER,
                          ca_file=str(tls_files[0]))
    monkeypatch.setenv("SALESPACK_SMTP_PASSWORD", "s3cret-密码")
    result = send(outputs, config, "--live")
    assert "Internal error" not in result.output, result.output
    assert "password" in result.output.lower() or "refused" in result.output.lower(), result.output
