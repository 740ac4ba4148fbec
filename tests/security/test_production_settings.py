"""Production mode: strict settings from the environment, `check --deploy` clean."""

import os
import runpy
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.security.production_env import PYTHON, REPO, production_env

SETTINGS_FILE = REPO / "candor" / "settings.py"


def load_settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    """Evaluate candor/settings.py afresh under `env`, without touching the running Django."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_operator_gets_a_clean_deploy_check(tmp_path: Path) -> None:
    result = subprocess.run(
        [PYTHON, "-m", "candor.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path, monkeypatch) -> None:
    settings = load_settings(monkeypatch, production_env(tmp_path))
    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_SSL_REDIRECT"] and settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert settings["ALLOWED_HOSTS"] == ["candor.example.com", "127.0.0.1"]
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings["MIDDLEWARE"]
    assert settings["LOGGING"]["root"]["handlers"] == ["stdout"]


def test_production_keeps_checked_database_connections(tmp_path, monkeypatch) -> None:
    database = load_settings(monkeypatch, production_env(tmp_path))["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    env = production_env(tmp_path, DB_CONN_MAX_AGE="0")
    database = load_settings(monkeypatch, env)["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0 and database["CONN_HEALTH_CHECKS"] is False


def test_development_mode_keeps_cookies_usable_over_http(tmp_path, monkeypatch) -> None:
    settings = load_settings(monkeypatch, {"DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}"})
    assert settings["DEBUG"] is True and settings["PRODUCTION"] is False
    assert not settings.get("SESSION_COOKIE_SECURE", False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set when CANDOR_MODE=production"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 random characters"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "at least 50 random characters"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set when CANDOR_MODE=production"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set when CANDOR_MODE=production"),
        ({"DEBUG": "true"}, "DEBUG must be off when CANDOR_MODE=production"),
        ({"CANDOR_MODE": "prod"}, "CANDOR_MODE must be development or production"),
        ({"CANDOR_HTTPS": "maybe"}, "CANDOR_HTTPS must be true or false"),
        ({"CANDOR_LOGIN_FAILURE_LIMIT": "five"}, "CANDOR_LOGIN_FAILURE_LIMIT must be an integer"),
    ],
)
def test_operator_with_a_missing_or_bad_variable_is_stopped_with_its_name(
    tmp_path, monkeypatch, change: dict[str, str], message: str
) -> None:
    env = production_env(tmp_path)
    env.update(change)
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(monkeypatch, {k: v for k, v in env.items() if v != ""})


def test_plain_http_trial_turns_off_only_the_https_settings(tmp_path, monkeypatch) -> None:
    settings = load_settings(monkeypatch, production_env(tmp_path, CANDOR_HTTPS="false"))
    assert settings["DEBUG"] is False and not settings["SECURE_SSL_REDIRECT"]
    assert not settings["SESSION_COOKIE_SECURE"] and settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["AUTH_PASSWORD_VALIDATORS"] and "csp" in settings["INSTALLED_APPS"]


def test_start_up_failure_names_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [PYTHON, "-m", "candor.cli", "check"],
        cwd=REPO,
        env=production_env(tmp_path, SECRET_KEY="short"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 random characters" in result.stderr
