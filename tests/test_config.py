"""Configuration: the example is valid; each bad case stops with status 2 and one line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import TOKEN_ENV, ConfigError, load_config
from bot.logs import RedactTokens

ROOT = Path(__file__).resolve().parent.parent
GOOD_TOKEN = "123456789:AAEexampleexampleexample_-x"


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert main(["check-config", str(ROOT / "config.example.toml")]) == 0
    assert capsys.readouterr().out.strip().endswith("plan templates: standard)")


def test_example_config_documents_every_key() -> None:
    text = (ROOT / "config.example.toml").read_text()
    for key in (
        "token",
        "base_url",
        "mode",
        "webhook_url",
        "listen",
        "port",
        "secret_token",
        "path",
        "group_language",
        "languages",
        "timezone",
        "telegram_ids",
        "level",
    ):
        assert f"{key} =" in text, key


BAD_CONFIGS = {
    "invalid TOML": ("[telegram\ntoken = 1\n", "(syntax): expected valid TOML"),
    "unknown key": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\ntokn = "x"\n',
        "[telegram] tokn: unknown key",
    ),
    "unknown section": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[extra]\n',
        "[extra]: unknown section",
    ),
    "wrong type": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\nport = "8443"\n',
        "[telegram] port: expected a whole number, got '8443'",
    ),
    "wrong list item": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[coordinators]\ntelegram_ids = ["me"]\n',
        "[coordinators] telegram_ids[0]: expected a whole number",
    ),
    "missing token": ('[telegram]\nmode = "polling"\n', "[telegram] token: expected the bot token"),
    "malformed token": (
        '[telegram]\ntoken = "nonsense"\n',
        "[telegram] token: expected a BotFather",
    ),
    "bad mode": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\nmode = "poll"\n',
        '[telegram] mode: expected "polling" or "webhook"',
    ),
    "webhook without secret": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\nmode = "webhook"\nwebhook_url = "https://x.org/h"\n',
        "[telegram] secret_token: expected a secret (required in webhook mode)",
    ),
    "webhook without url": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\nmode = "webhook"\nsecret_token = "abc"\n',
        "[telegram] webhook_url: expected the public https:// URL",
    ),
    "unknown language": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[i18n]\nlanguages = ["nl", "de"]\n',
        "[i18n] languages[1]: expected one of nl, en, ar, ti, fa_AF, so, uk, tr",
    ),
    "bad time zone": (
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[schedule]\ntimezone = "Mars/Olympus"\n',
        "[schedule] timezone: expected an IANA time zone",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_exits_2_with_one_line(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    content, expected = BAD_CONFIGS[case]
    path = tmp_path / "config.toml"
    path.write_text(content)
    assert main(["check-config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"samenhier: configuration error: {path}: ")
    assert expected in lines[0]


@pytest.mark.parametrize("command", ["check-config", "run"])
def test_real_process_exit_status_and_no_traceback(tmp_path: Path, command: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "123:short"\n')
    args = [command, str(path)] if command == "check-config" else [command, "-c", str(path)]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "[telegram] token" in proc.stderr


def test_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["check-config", str(tmp_path / "nope.toml")]) == 2
    assert "it does not exist" in capsys.readouterr().err


def test_env_token_wins_and_is_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "987654321:ZZsecretsecretsecretsecret"
    monkeypatch.setenv(TOKEN_ENV, secret)
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{GOOD_TOKEN}"\nsecret_token = "hush-hush"\n')
    config = load_config(path)
    assert config.telegram.token.get() == secret
    for shown in (repr(config), str(config), repr(config.telegram)):
        assert secret not in shown and "hush-hush" not in shown


def test_relative_database_path_follows_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[database]\npath = "data/bot.db"\n')
    assert load_config(path).database.path == str(tmp_path / "data" / "bot.db")


def test_config_error_is_one_line() -> None:
    err = ConfigError("f.toml", "[a] b", "expected x")
    assert str(err) == "f.toml: [a] b: expected x"


def test_log_filter_redacts_tokens() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{GOOD_TOKEN}/getMe",), None
    )
    RedactTokens().filter(record)
    assert GOOD_TOKEN not in record.getMessage()
    assert record.getMessage() == "POST https://x/bot<token>/getMe"


def test_broken_plan_template_stops_with_file_and_line(tmp_path: Path, capsys) -> None:
    template = tmp_path / "my_plan.toml"
    template.write_text('id = "mine"\n[name]\nnl = "Mijn plan"\n[[phases]]\nkey = \n')
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{GOOD_TOKEN}"\n[tasks]\ntemplate_files = ["my_plan.toml"]\n'
    )
    assert main(["check-config", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"samenhier: plan template error: {template}: line 5: ")
