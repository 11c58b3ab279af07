"""The obligation ledger, reminders and escalation on in-memory ports with a frozen clock (XC-02).

Shanghai's region file: POL-07 upload within 3 working days of issue; a reminder 1 working day before the
last day at 09:00; the debtor's supervisor at the deadline; the regulator 2 working days later. 2026's
National Day holidays run 1-7 October and Saturday 10 October is a make-up working day, so a policy
issued on 2026-09-30 is due by 2026-10-10 24:00 and reminded on 2026-10-09.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from notify_memory import (
    DEBTOR,
    INSURER,
    OTHER_INSURER,
    REGULATOR,
    InMemoryNotify,
    at,
    closed,
    filing,
    pol07_opened,
)

from anju_contracts import Refusal, Role
from anju_contracts import notify as n
from anju_contracts.common import PartyRef
from anju_contracts.envelope import Envelope
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_notify import queries
from anju_notify.read_models import ByDebtor, ByRule, BySubject, ByWeek, Debtors, Inbox

OID = "policy.prj-001.upload_contract_to_regulator.1"


def notices(notify: InMemoryNotify, kind: str) -> list[Envelope]:
    return [e for e in notify.published if e.type == kind]


async def record(notify: InMemoryNotify) -> dict[str, object]:
    loaded = await notify.repo.get(OID)
    assert loaded is not None
    return loaded.aggregate.state()


async def test_xc02_pol07_upload_opened_on_2026_09_30_is_reminded_on_2026_10_09_and_escalated_after_10_10_24h(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    opened = pol07_opened()
    assert opened.due_at == at(2026, 10, 11, 0)  # 2026-10-10 24:00: Saturday the 10th is a working day
    await notify.deliver(opened, "policy")
    state = await record(notify)
    assert state["ledger_state"] == "open" and state["rule_id"] == "POL-07"
    steps = {s["step_id"]: s["at"] for s in state["steps"]}  # type: ignore[attr-defined]
    assert steps == {
        "reminder-1": at(2026, 10, 9, 9).isoformat(),
        "supervisor-1": at(2026, 10, 11, 0).isoformat(),
        "regulator-1": at(2026, 10, 14, 0).isoformat(),  # 2 working days after the 10th: 12th and 13th
    }

    for moment in (at(2026, 10, 1), at(2026, 10, 8, 23, 59)):  # holidays, then the day before: nothing
        clock.set(moment)
        assert await notify.sweep() == 0
    clock.set(at(2026, 10, 9, 9, 0))
    assert await notify.sweep() == 1
    [reminder] = notices(notify, "notify.ReminderSent")
    assert reminder.data["step_id"] == "reminder-1" and "2026-10-10 24:00" not in reminder.data["body_zh"]
    assert "保险合同上传监管平台" in reminder.data["subject_zh"] and "POL-07" in reminder.data["body_zh"]

    clock.set(at(2026, 10, 10, 23, 59))  # the last day itself: still in time
    assert await notify.sweep() == 0 and not notices(notify, "notify.ObligationEscalated")
    clock.set(at(2026, 10, 11, 0, 1))  # after 2026-10-10 24:00
    assert await notify.sweep() == 1
    [escalated] = notices(notify, "notify.ObligationEscalated")
    assert escalated.data["level"] == "supervisor"
    assert (await record(notify))["ledger_state"] == "overdue"

    clock.set(at(2026, 10, 14, 0, 1))
    assert await notify.sweep() == 1
    regulator = notices(notify, "notify.ObligationEscalated")[-1]
    assert regulator.data["level"] == "regulator"
    assert {r["role"] for r in regulator.data["recipients"]} == {"insurer", "regulator"}
    assert (await record(notify))["ledger_state"] == "escalated"

    # each party's inbox (XC-05: read by its own listing key)
    october = await queries.inbox(notify.view(Inbox.name), "shanghai", DEBTOR, "2026-10")
    assert [i["kind"] for i in sorted(october.items, key=lambda i: i["sent_at"])] == [
        "reminder",
        "supervisor",
        "regulator",
    ]
    regulators = await queries.inbox(
        notify.view(Inbox.name), "shanghai", PartyRef(role="regulator", id="shanghai"), "2026-10"
    )
    assert [i["kind"] for i in regulators.items] == ["regulator"]


async def test_xc02_no_reminder_after_fulfilment(notify: InMemoryNotify, clock: FrozenClock) -> None:
    opened = pol07_opened()
    await notify.deliver(opened, "policy")
    clock.set(at(2026, 10, 8, 15))
    await notify.deliver(closed(opened, "policy", on=clock.now()), "policy")
    assert (await record(notify))["ledger_state"] == "fulfilled"
    for moment in (at(2026, 10, 9, 9), at(2026, 10, 11, 1), at(2026, 10, 20)):
        clock.set(moment)
        assert await notify.sweep() == 0
    assert not notices(notify, "notify.ReminderSent") and not notices(notify, "notify.ObligationEscalated")
    assert (await record(notify))["on_time"] is True


async def test_xc02_one_reminder_with_two_instances_and_a_restart(notify: InMemoryNotify, clock: FrozenClock) -> None:
    await notify.deliver(pol07_opened(), "policy")
    first, second = notify.handlers, notify.instance()
    clock.set(at(2026, 10, 9, 9, 30))
    # both instances sweep the same round: one commit wins the compare-and-set, the other finds it fired
    fired = [await notify.sweep(first), await notify.sweep(second)]
    assert sorted(fired) == [0, 1]
    restarted = notify.instance()  # a restart: a new process, no memory of what it looked at
    assert await notify.sweep(restarted) == 0
    clock.advance(timedelta(hours=2))
    assert await notify.sweep(first) + await notify.sweep(second) + await notify.sweep(restarted) == 0
    assert len(notices(notify, "notify.ReminderSent")) == 1


async def test_xc02_two_instances_racing_inside_one_round_store_one_reminder(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    """Both load version n before either commits: the commit log's insert of n+1 picks one."""
    await notify.deliver(pol07_opened(), "policy")
    clock.set(at(2026, 10, 9, 9, 30))
    first, second = notify.handlers, notify.instance()
    loaded = await notify.repo.get(OID)
    also = await notify.repo.get(OID)
    assert loaded is not None and also is not None
    from anju_kit.mongo import VersionConflict

    assert await first._fire(loaded, clock.now()) == 1
    with pytest.raises(VersionConflict):
        await second._fire(also, clock.now())
    assert len(notices(notify, "notify.ReminderSent")) == 1


async def test_xc02_redelivered_opening_changes_nothing(notify: InMemoryNotify) -> None:
    opened = pol07_opened()
    await notify.deliver(opened, "policy")
    envelope = notify.published[0]
    first = len(notify.published)
    source = Envelope.wrap(opened, region="shanghai", producer="policy", actor=envelope.actor, key="prj-001")
    again = await notify.redeliver(source, "policy")
    assert again is not None
    once_more = await notify.redeliver(source, "policy")  # the same event id: applied once
    assert once_more is not None and once_more.duplicate
    assert len(notify.published) == first  # a new id with the same fact stores nothing either
    assert (await notify.repo.get(OID)).version == 1  # type: ignore[union-attr]


async def test_xc02_a_fulfilment_arriving_before_its_opening_is_not_lost(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    opened = pol07_opened()
    clock.set(at(2026, 10, 9, 11))
    await notify.deliver(closed(opened, "policy", on=clock.now()), "policy")
    assert (await record(notify))["ledger_state"] == "fulfilled"
    await notify.deliver(opened, "policy")
    state = await record(notify)
    assert state["ledger_state"] == "fulfilled" and state["on_time"] is True and state["due_at"] is not None
    clock.set(at(2026, 10, 20))
    assert await notify.sweep() == 0


async def test_pol07_filing_fulfils_the_obligation_and_the_regulator_sees_it_on_time(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    await notify.deliver(pol07_opened(), "policy")
    await notify.deliver(pol07_opened("prj-002"), "policy")
    clock.set(at(2026, 10, 9, 15))
    outcome = await notify.send(filing(OID), INSURER, OID)
    assert outcome.obligation is not None and outcome.obligation.ledger_state is n.LedgerState.FULFILLED
    assert {"notify.FilingReceived", "supervision.DocumentFiled"} <= set(notify.types())
    [outbound] = notices(notify, "supervision.DocumentFiled")
    assert outbound.data["on_time"] is True and outbound.data["sha256"] == "a" * 64
    # the same filing again: answered as the first, nothing new
    again = await notify.send(filing(OID), INSURER, OID)
    assert again.duplicate
    # prj-002 is filed late
    clock.set(at(2026, 10, 12, 10))
    await notify.send(filing("policy.prj-002.upload_contract_to_regulator.1", "flg-0002"), INSURER, "prj-002")
    report = await queries.debtor_report(notify.view(ByDebtor.name), "shanghai", DEBTOR)
    assert report["by_rule"] == {"POL-07": {"fulfilled_on_time": 1, "fulfilled_late": 1}}
    # the regulator's report across insurers and agencies: an agency's RSK-07 not filed at all
    rsk07 = pol07_opened("prj-003").model_copy(
        update={
            "obligation_id": "risk.prj-003.final_report_filing.1",
            "obligation": "final_report_filing",
            "rule_id": "RSK-07",
            "debtor": PartyRef(role=Role.AGENCY, id="agy-01"),
        }
    )
    await notify.deliver(rsk07, "risk")
    clock.set(at(2026, 10, 13))
    await notify.sweep()
    region = await queries.filings_report(
        notify.view(Debtors.name), notify.view(ByDebtor.name), "shanghai", ("POL-07", "RSK-07"), ("insurer", "agency")
    )
    assert region == {
        "agency:agy-01": {"RSK-07": {"overdue": 1}},
        "insurer:ins-picc-sh": {"POL-07": {"fulfilled_on_time": 1, "fulfilled_late": 1}},
    }
    # what was filed is never reminded nor escalated, however late the sweeper comes
    clock.set(at(2026, 10, 20))
    assert await notify.sweep() == 0
    filed = [e for e in notify.published if e.data.get("obligation_id", "").startswith("policy.")]
    assert not [e for e in filed if e.type in ("notify.ReminderSent", "notify.ObligationEscalated")]


async def test_xc05_a_filing_by_another_insurer_is_not_found_and_nothing_changes(notify: InMemoryNotify) -> None:
    await notify.deliver(pol07_opened(), "policy")
    with pytest.raises(Refusal) as refused:
        await notify.send(filing(OID), OTHER_INSURER, OID)
    assert refused.value.reason_code == "NOT_FOUND" and refused.value.field == "obligation_id"
    assert (await record(notify))["ledger_state"] == "open"


async def test_xc02_waiver_by_the_regulator_only_with_who_and_why(notify: InMemoryNotify) -> None:
    await notify.deliver(pol07_opened(), "policy")
    with pytest.raises(Refusal) as refused:
        await notify.send(n.WaiveObligation(obligation_id=OID, reason="项目终止"), INSURER, OID)
    assert refused.value.reason_code == "FORBIDDEN"
    await notify.send(n.WaiveObligation(obligation_id=OID, reason="项目终止，监管部门同意"), REGULATOR, OID)
    state = await record(notify)
    assert state["ledger_state"] == "waived" and state["closed_by"] == "regulator:u-reg-01"
    assert state["waived_reason"] == "项目终止，监管部门同意"


async def test_xc02_reminders_reach_registered_contacts_once_masked_on_the_topic(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    contact = n.RegisterContact(
        party=DEBTOR,
        audience=n.ContactAudience.STAFF,
        display_name="承保部",
        email="uw@picc.example.com",
        mobile="13812345678",
    )
    await notify.send(contact, INSURER, "insurer:ins-picc-sh")
    [registered] = notices(notify, "notify.ContactRegistered")
    assert registered.data["mobile"] == "138****5678" and "13812345678" not in registered.model_dump_json()
    await notify.deliver(pol07_opened(), "policy")
    clock.set(at(2026, 10, 9, 9, 5))
    await notify.sweep()
    await notify.sweep(notify.instance())
    assert sorted(notify.outbox.messages) == [
        f"{OID}|reminder-1|insurer:ins-picc-sh|email",
        f"{OID}|reminder-1|insurer:ins-picc-sh|sms",
    ]
    email = notify.outbox.messages[f"{OID}|reminder-1|insurer:ins-picc-sh|email"]
    assert email.to_address == "uw@picc.example.com" and "到期" in email.subject_zh
    # XC-09: stored sealed, in the commit log and its projection alike; opened only to send
    stored = json.dumps([notify.contact_store.log, notify.contact_store.outbox], default=str, ensure_ascii=False)
    assert "uw@picc.example.com" not in stored and "13812345678" not in stored and "sealed:" in stored


async def test_xc02_xc03_the_ledger_read_models_answer_by_debtor_rule_week_and_subject(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    await notify.deliver(pol07_opened(), "policy")
    await notify.deliver(pol07_opened("prj-002"), "policy")
    open_ = await queries.by_debtor(notify.view(ByDebtor.name), "shanghai", DEBTOR, rule_id="POL-07")
    assert open_.total == 2
    week = await queries.by_week(notify.view(ByWeek.name), "shanghai", "2026-W41")  # Mon 5 Oct … Sun 11 Oct
    assert week.total == 2
    clock.set(at(2026, 10, 11, 0, 30))
    await notify.sweep()
    overdue = await queries.by_rule(notify.view(ByRule.name), "shanghai", "POL-07", states=("overdue",))
    assert overdue.total == 2
    one = await queries.by_subject(notify.view(BySubject.name), "policy", "prj-001")
    assert [i["obligation_id"] for i in one.items] == [OID] and one.items[0]["state"] == "overdue"
    assert clock.now().astimezone(SHANGHAI).date().isoformat() == "2026-10-11"


async def test_xc02_clm06_a_warranty_window_is_tracked_but_never_owed_nor_reminded(
    notify: InMemoryNotify, clock: FrozenClock
) -> None:
    from anju_contracts import claims as c
    from anju_contracts.common import ObligationKind, SubjectRef

    base = pol07_opened().model_dump()
    window = c.ObligationOpened.model_validate(
        base
        | {
            "obligation_id": "claim.clm-1.repair_warranty.1",
            "obligation": "repair_warranty",
            "kind": ObligationKind.WINDOW,
            "rule_id": "CLM-06",
            "creditor": PartyRef(role=Role.OWNER, id="o-1"),
            "subject": SubjectRef(kind="claim", id="clm-1"),
        }
    )
    await notify.deliver(window, "claims")
    clock.set(at(2027, 6, 1))
    assert await notify.sweep() == 0
    owed = await queries.by_debtor(notify.view(ByDebtor.name), "shanghai", DEBTOR, rule_id="CLM-06")
    assert owed.total == 0 and owed.counts == {"window": 1}


async def test_xc05_a_party_marks_only_its_own_inbox_read(notify: InMemoryNotify, clock: FrozenClock) -> None:
    await notify.deliver(pol07_opened(), "policy")
    clock.set(at(2026, 10, 9, 9, 30))
    await notify.sweep()
    inbox = notify.view(Inbox.name)
    item = f"{OID}|reminder-1"
    # another insurer names the item: its own inbox has no such item, the owner's stays unread
    await notify.send(n.MarkInboxRead(item_ids=(item,)), OTHER_INSURER, "inbox:insurer:ins-cpic-sh")
    assert (await queries.inbox(inbox, "shanghai", DEBTOR, "2026-10")).counts == {"unread": 1}
    await notify.send(n.MarkInboxRead(item_ids=(item, item)), INSURER, "inbox:insurer:ins-picc-sh")
    page = await queries.inbox(inbox, "shanghai", DEBTOR, "2026-10")
    assert page.counts == {"read": 1} and page.items[0]["read_at"] == at(2026, 10, 9, 9, 30).isoformat()
    assert page.items[0]["subject_zh"].startswith("【安居提醒】")
