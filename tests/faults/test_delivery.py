"""Telegram misbehaving during a check-in fan-out: each test names the promise it checks and
asserts exactly what every chat received. Faults come from the sandbox's fault injection
(`inject_fault`), except the ten-minute outage and the lost answer, which depend on the clock
and on the order of events and are played by the test at the sandbox's door (`FanOut.outage`,
`FanOut.lose_answer`).

Promises already proven elsewhere, not repeated here: the outbox alone surviving 5xx, a
timeout, a 429, a kick, a migration and a blocked person, row by row (tests/test_outbox.py,
test_faults_are_survived); SIGKILL of the real process in the middle of a fan-out
(tests/test_crash_fanout.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.checkins import scale_text
from bot.outbox import BACKOFF_CAP
from bot.sandbox.errors import ApiError
from bot.storage import people, sponsorships
from tests.faults.fanout import DUE, WEEK, fan_out

OUTAGE = 600.0  # seconds: ten minutes of 502 Bad Gateway


async def test_a_429_in_the_middle_of_a_fan_out_is_waited_out(tmp_path: Path) -> None:
    """Promise: a 429 in the middle of a fan-out is waited out. The outbox stops sending to
    every chat until Telegram's retry_after has passed, then goes on: every group and every
    newcomer gets its check-in exactly once, and no other 429 is provoked."""
    async with fan_out(tmp_path, 12) as fan:
        middle = fan.teams[6]
        fan.sandbox.inject_fault(
            "429", method="sendMessage", chat_id=middle.group.id, retry_after=7
        )
        await fan.at(DUE)

        for team in fan.teams:
            assert fan.html(team.group.id) == [await fan.group_checkin(team)]
            assert fan.html(team.newcomer.id) == [fan.newcomer_checkin(team)]
        [refused] = [c for c in fan.calls if c.status == 429]
        assert refused.chat_id == middle.group.id
        sent = [c for c in fan.calls if c.method == "sendMessage" and c.status == 200]
        before = [c for c in sent if c.at <= refused.at]
        after = [c for c in sent if c.at > refused.at]
        assert before and after  # it really was in the middle
        assert min(c.at for c in after) >= refused.at + 7  # nothing during retry_after
        assert fan.sandbox.served_429 == 1
        rows = await fan.outbox_rows()
        assert {state for _, state, _, _ in rows} == {"sent"}
        assert [a for chat, _, a, _ in rows if chat == middle.group.id] == [2]


async def test_ten_minutes_of_502s_then_everything_arrives_in_order(tmp_path: Path) -> None:
    """Promise: an outage of Telegram (ten minutes of 502 Bad Gateway) loses nothing. The
    outbox keeps retrying with backoff on the clock (at most a minute apart), nothing is given
    up, and after the recovery every chat gets every message, in the order it was queued,
    exactly once, within a minute."""
    async with fan_out(tmp_path, 6) as fan:
        start = fan.sandbox.clock.now()
        served = 0

        def bad_gateway(method: str) -> tuple[int, dict[str, object]] | None:
            nonlocal served
            if fan.sandbox.clock.now() < start + OUTAGE:
                served += 1
                return 502, ApiError(502, "Bad Gateway").body()
            return None

        fan.outage = bad_gateway
        await fan.tick(DUE)
        follow_ups = {}
        for team in fan.teams:  # later messages to the same chats, queued behind the check-in
            follow_ups[team.group.id] = [f"Reminder {k} for {team.name}" for k in (1, 2)]
            follow_ups[team.newcomer.id] = [f"A note for {team.newcomer.first_name}"]
        async with fan.db.transaction() as conn:
            from bot.storage import outbox as store

            for chat_id, texts in follow_ups.items():
                person = chat_id if chat_id > 0 else None
                for text in texts:
                    await store.enqueue(conn, chat_id, text, now=fan.clock.now(), person_id=person)
        await fan.drain()

        assert served > 2 * len(follow_ups)  # every chat was refused again and again
        for team in fan.teams:
            group, newcomer = team.group.id, team.newcomer.id
            assert fan.html(group) == [await fan.group_checkin(team), *follow_ups[group]]
            assert fan.html(newcomer) == [fan.newcomer_checkin(team), *follow_ups[newcomer]]
        dates = [m.date for t in fan.teams for c in (t.group.id, t.newcomer.id)
                 for m in fan.delivered(c)]  # fmt: skip
        assert min(dates) >= start + OUTAGE  # nothing got through the outage
        assert min(dates) <= start + OUTAGE + BACKOFF_CAP  # and the first got through soon
        rows = await fan.outbox_rows()
        assert {state for _, state, _, _ in rows} == {"sent"}
        assert fan.sandbox.served_429 == 0


async def test_timeouts_are_retried_and_only_a_lost_answer_repeats(tmp_path: Path) -> None:
    """Promise: a send that times out is retried with backoff until it goes through; a chat
    waits for its own message, others do not wait for it. When Telegram took the message but
    its answer was lost, the retry repeats that one message once (at least once, never lost):
    nothing else is doubled."""
    async with fan_out(tmp_path, 6) as fan:
        slow, once, lost = fan.teams[0], fan.teams[1], fan.teams[2]
        fan.sandbox.inject_fault("timeout", method="sendMessage", chat_id=slow.group.id, times=3)
        fan.sandbox.inject_fault("timeout", method="sendMessage", chat_id=once.newcomer.id)
        fan.lose_answer.add(lost.group.id)
        await fan.at(DUE)

        for team in fan.teams:
            checkin = await fan.group_checkin(team)
            assert fan.html(team.group.id) == [checkin] * (2 if team is lost else 1)
            assert fan.html(team.newcomer.id) == [fan.newcomer_checkin(team)]
        rows = {chat: attempts for chat, _, attempts, _ in await fan.outbox_rows()}
        assert rows[slow.group.id] == 4
        assert rows[once.newcomer.id] == 2
        assert rows[lost.group.id] == 2
        assert {state for _, state, _, _ in await fan.outbox_rows()} == {"sent"}


async def test_the_bot_removed_from_a_chat_is_not_retried_and_the_coordinator_is_told(
    tmp_path: Path,
) -> None:
    """Promise: when the bot was removed from a shared chat, its check-in is tried once and
    dropped (no retry loop), the sponsorship is flagged, the coordinator is told once, the
    rest of the fan-out is unaffected, and the next week nothing is even tried there."""
    async with fan_out(tmp_path, 4) as fan:
        removed = fan.teams[1]
        fan.sandbox.inject_fault("kicked", chat_id=removed.group.id)
        await fan.at(DUE)

        assert fan.html(removed.group.id) == []
        assert len(fan.sends_to(removed.group.id)) == 1
        assert [c.status for c in fan.sends_to(removed.group.id)] == [403]
        s = await sponsorships.get(fan.db, removed.sponsorship_id)
        assert s is not None and s.flag == "bot_removed"
        told = [m.text for m in fan.coordinator.inbox()]
        assert told == [
            f"I was removed from the shared chat of {removed.name}. Nobody can be let in until "
            "I am back: please add me again as an administrator."
        ]
        for team in fan.teams:
            if team is not removed:
                assert fan.html(team.group.id) == [await fan.group_checkin(team)]
            assert fan.html(team.newcomer.id) == [fan.newcomer_checkin(team)]

        await fan.at(DUE + WEEK)
        assert len(fan.sends_to(removed.group.id)) == 1  # not tried again
        assert len(fan.html(removed.newcomer.id)) == 2  # the newcomer still gets theirs
        for team in fan.teams:
            if team is not removed:
                assert len(fan.html(team.group.id)) == 2
        assert len(fan.coordinator.inbox()) == 1


async def test_a_person_who_blocks_the_bot_is_skipped_until_they_come_back(
    tmp_path: Path,
) -> None:
    """Promise: a newcomer who blocked the bot is tried once, marked unreachable and skipped
    from then on (no retries, no errors); the group's check-in is unaffected; when they start
    the bot again they get the next check-in."""
    async with fan_out(tmp_path, 3) as fan:
        gone = fan.teams[1]
        fan.sandbox.inject_fault("kicked", chat_id=gone.newcomer.id)  # blocks at the worst moment
        await fan.at(DUE)

        assert fan.html(gone.newcomer.id) == []
        assert [c.status for c in fan.sends_to(gone.newcomer.id)] == [403]
        person = await people.get(fan.db, gone.newcomer.id)
        assert person is not None and person.unreachable
        for team in fan.teams:
            assert fan.html(team.group.id) == [await fan.group_checkin(team)]
            if team is not gone:
                assert fan.html(team.newcomer.id) == [fan.newcomer_checkin(team)]

        await fan.at(DUE + WEEK)
        assert len(fan.sends_to(gone.newcomer.id)) == 1  # skipped, not retried
        skipped = await fan.db.fetchall(
            "SELECT status, detail FROM checkin_occurrences WHERE sponsorship_id = ? "
            "AND kind = 'newcomer' ORDER BY scheduled_at",
            (gone.sponsorship_id,),
        )
        assert [tuple(r) for r in skipped][-1] == ("skipped", "unreachable")

        await gone.newcomer.start()  # unblocks the bot
        person = await people.get(fan.db, gone.newcomer.id)
        assert person is not None and not person.unreachable
        await fan.at(DUE + 2 * WEEK)
        assert fan.html(gone.newcomer.id)[-1] == fan.newcomer_checkin(gone)
        assert len(fan.html(gone.newcomer.id)) == 2  # the welcome back, then the check-in


async def test_a_chat_that_becomes_a_supergroup_during_the_fan_out_gets_its_check_in(
    tmp_path: Path,
) -> None:
    """Promise: a shared chat upgraded to a supergroup at the moment of the fan-out gets its
    check-in once, in the new supergroup; the sponsorship follows the new id, answers work
    there, and the check-in is closed there 48 hours later."""
    async with fan_out(tmp_path, 3) as fan:
        moving = fan.teams[1]
        old = moving.group.id
        fan.sandbox.inject_fault("migrate", method="sendMessage", chat_id=old)
        await fan.at(DUE)

        new = moving.group.id
        assert new != old and fan.sandbox.chat(new).type == "supergroup"
        own = [m for m in fan.sandbox.messages(old) if m.from_id == fan.sandbox.bot_id]
        assert [m.kind for m in own] == []  # nothing of the bot's stayed behind
        assert fan.html(new) == [await fan.group_checkin(moving)]
        s = await sponsorships.get(fan.db, moving.sponsorship_id)
        assert s is not None and s.chat_id == new
        for team in fan.teams:
            assert fan.html(team.group.id) == [await fan.group_checkin(team)]
            assert fan.html(team.newcomer.id) == [fan.newcomer_checkin(team)]

        nl = fan.harness.services.i18n.get("nl")
        await fan.owner.press(fan.delivered(new)[0], scale_text(nl, 4))
        assert fan.sandbox.last_callback().text == nl.t(
            "Thank you! Your answer is saved. You can change it until the check-in closes."
        )
        await fan.at(DUE + timedelta(hours=48))
        [closed] = fan.delivered(new)
        assert nl.t("This check-in is closed. Thank you!") in closed.text
        assert closed.text.endswith("✓ Sanne") and closed.buttons == []
