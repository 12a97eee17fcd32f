"""The [checkins] section: defaults, the example documents every key, bad values are named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import CheckinsConfig, ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAEexampleexampleexample_-x"


def test_defaults_and_example() -> None:
    config = parse_config({"telegram": {"token": TOKEN}})
    assert config.checkins == CheckinsConfig(
        weekday="tuesday",
        time="19:00",
        reminder_after_hours=24,
        close_after_hours=48,
        grace_hours=6,
        digest_weekday="monday",
        digest_time="09:00",
    )
    example = tomllib.loads((ROOT / "config.example.toml").read_text())
    assert example["checkins"] == {
        "weekday": "tuesday",
        "time": "19:00",
        "reminder_after_hours": 24,
        "close_after_hours": 48,
        "grace_hours": 6,
        "digest_weekday": "monday",
        "digest_time": "09:00",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"weekday": "dinsdag"}, '[checkins] weekday: expected "monday" or "tuesday"'),
        ({"time": "7pm"}, '[checkins] time: expected a time of day like "19:00"'),
        ({"digest_time": "24:00"}, "[checkins] digest_time: expected a time of day"),
        ({"close_after_hours": 0}, "[checkins] close_after_hours: expected a number of hours"),
        (
            {"reminder_after_hours": 48},
            "[checkins] reminder_after_hours: expected 0 (no reminder) or fewer hours",
        ),
        ({"grace_hours": -1}, "[checkins] grace_hours: expected a number of hours from 0 to 72"),
        ({"grace_hours": "6"}, "[checkins] grace_hours: expected a whole number"),
        ({"grace": 6}, "[checkins] grace: unknown key"),
    ],
)
def test_bad_values_are_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"telegram": {"token": TOKEN}, "checkins": values}, "c.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("c.toml: ")


def test_no_reminders() -> None:
    config = parse_config({"telegram": {"token": TOKEN}, "checkins": {"reminder_after_hours": 0}})
    assert config.checkins.reminder_after_hours == 0
