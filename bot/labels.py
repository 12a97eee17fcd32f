"""Names of roles and statuses, marked for translation (the stored keys never change)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import N_, Lang

ROLE_LABELS: dict[str, str] = {
    "contact": N_("Contact person"),
    "buddy": N_("Buddy"),
    "housing": N_("Housing"),
    "money": N_("Money and paperwork"),
    "health": N_("Health"),
    "language": N_("Language and school"),
    "other": N_("Other help"),
}

STATUS_LABELS: dict[str, str] = {
    "preparing": N_("preparing"),
    "active": N_("active"),
    "paused": N_("paused"),
    "closed": N_("closed"),
}


def roles_text(lang: Lang, roles: Iterable[str]) -> str:
    """Role names in the reader's language, joined as a list in that language."""
    return lang.list(lang.t(ROLE_LABELS[r]) for r in roles if r in ROLE_LABELS)
