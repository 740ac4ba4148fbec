"""An operator configures e-mail: EMAIL_URL (or EMAIL_HOST and its fellows) is read
strictly, a malformed value stops start-up naming the variable (never its password), and
a reader's password-reset mail goes out through that SMTP server."""

import base64
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from candor.settings import email_from_env

VARIABLES = (
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_BACKEND",
    "EMAIL_TIMEOUT",
)


def environment(monkeypatch: pytest.MonkeyPatch, **values: str) -> dict[str, Any]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return email_from_env()


def test_without_settings_mails_are_printed(monkeypatch) -> None:
    assert environment(monkeypatch)["EMAIL_BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_an_email_url_with_starttls_and_an_encoded_password(monkeypatch) -> None:
    found = environment(
        monkeypatch,
        EMAIL_URL="smtp://candor%40example.org:p%40ss%2Fw0rd@mail.example.org:587?tls=1",
    )
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "candor@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss/w0rd",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtps://u:p@mail.example.org", 465, False, True),
        ("smtp://mail.example.org?tls=true", 587, True, False),
        ("smtp://mail.example.org", 25, False, False),
        ("smtp://mail.example.org:2525?tls=0", 2525, False, False),
    ],
)
def test_default_ports_follow_the_kind_of_tls(monkeypatch, url, port, tls, ssl) -> None:
    found = environment(monkeypatch, EMAIL_URL=url)
    assert (found["EMAIL_PORT"], found["EMAIL_USE_TLS"], found["EMAIL_USE_SSL"]) == (port, tls, ssl)


def test_separate_variables_work_as_well(monkeypatch) -> None:
    found = environment(
        monkeypatch,
        EMAIL_HOST="mail.example.org",
        EMAIL_HOST_USER="candor",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="5",
    )
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"], found["EMAIL_USE_TLS"]) == (
        "mail.example.org",
        587,
        True,
    )
    assert (found["EMAIL_HOST_USER"], found["EMAIL_HOST_PASSWORD"]) == ("candor", "secret")
    assert found["EMAIL_TIMEOUT"] == 5
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"EMAIL_URL": "mail.example.org:587"}, r"EMAIL_URL must look like .* \(scheme"),
        ({"EMAIL_URL": "https://u:hunter2@mail.example.org"}, r"\(scheme https\)"),
        ({"EMAIL_URL": "smtp://u:hunter2@:587"}, r"\(no host\)"),
        ({"EMAIL_URL": "smtp://u:hunter2@mail.example.org:abc"}, "the port is not a number"),
        ({"EMAIL_URL": "smtp://u:hunter2@mail.example.org?tls=maybe"}, "tls must be true or"),
        ({"EMAIL_URL": "smtp://u:hunter2@mail.example.org?starttls=1"}, "unknown parameter"),
        ({"EMAIL_URL": "smtps://u:hunter2@mail.example.org?tls=1"}, "not both"),
        (
            {"EMAIL_URL": "smtp://u:hunter2@mail.example.org", "EMAIL_HOST": "mail.example.org"},
            "Set EMAIL_URL or EMAIL_HOST, not both",
        ),
        ({"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": "smtp"}, "EMAIL_PORT must be an integer"),
        ({"EMAIL_HOST": "mail.example.org", "EMAIL_USE_TLS": "sure"}, "EMAIL_USE_TLS must be"),
    ],
)
def test_a_malformed_value_stops_start_up_without_showing_the_password(
    monkeypatch, values, message
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as refused:
        environment(monkeypatch, **values)
    assert "hunter2" not in str(refused.value)


class Smtp(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server for Django's backend: EHLO, AUTH PLAIN, one mail."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        received: dict[str, Any] = self.server.received  # type: ignore[attr-defined]
        self.reply("220 test ESMTP")
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(line.split()[2]).decode().split("\0")
                received["login"] = (user, password)
                self.reply("235 2.7.0 Authentication successful")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                received.setdefault("envelope", []).append(line)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                    body.append(data)
                received["message"] = "".join(body)
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, dict[str, Any]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Smtp)
    server.daemon_threads = True
    server.received = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_a_password_reset_reaches_the_reader_through_the_configured_server(
    monkeypatch, settings, smtp_server, owner
) -> None:
    port, received = smtp_server
    url = f"smtp://candor%40example.org:s%3Acret@127.0.0.1:{port}"
    for name, value in environment(monkeypatch, EMAIL_URL=url).items():
        setattr(settings, name, value)

    response = Client().post("/accounts/password_reset/", {"email": owner.email})

    assert response.status_code == 302
    assert received["login"] == ("candor@example.org", "s:cret")
    assert f"rcpt TO:<{owner.email}>" in received["envelope"]
    assert "/accounts/reset/" in received["message"]
