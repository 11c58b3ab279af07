"""Chinese message templates for reminders and escalations (XC-02), with personal data masked (XC-09).

``render(kind, params)`` gives ``(subject_zh, body_zh)``. The owner's name is masked here (张三 → 张*),
never by the caller, and every parameter is run through :func:`mask_personal_data`, so a phone or ID
number pasted into free text (a debtor's name, an obligation's title) never leaves in full.

``string.Template`` (no template engine is a dependency of the workspace): ``substitute`` fails on a
missing key, and we check the keys first so the error names every missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

from anju_kit.privacy import mask_name, mask_personal_data

PARAMS = (
    "obligation_zh",
    "rule_id",
    "debtor_name",
    "subject_kind",
    "subject_id",
    "due_at_local",
    "owner_name",
)


@dataclass(frozen=True)
class MessageTemplate:
    subject: Template
    body: Template


_FOOTER = "\n\n本消息由安居平台自动发送，请勿直接回复。如已办理，请忽略本提醒。"

TEMPLATES: dict[str, MessageTemplate] = {
    # 提醒: the deadline is near; to the debtor.
    "reminder": MessageTemplate(
        subject=Template("【安居提醒】${obligation_zh}将于${due_at_local}到期"),
        body=Template(
            "${debtor_name}：\n\n"
            "您有一项义务即将到期，请在期限前办理。\n\n"
            "事项：${obligation_zh}\n"
            "依据：${rule_id}\n"
            "对象：${subject_kind} ${subject_id}\n"
            "${owner_line}"
            "截止时间：${due_at_local}（北京时间）" + _FOOTER
        ),
    ),
    # 升级: the deadline has passed; to the debtor's supervisor.
    "escalation": MessageTemplate(
        subject=Template("【安居升级】${debtor_name}逾期未办：${obligation_zh}"),
        body=Template(
            "您好：\n\n"
            "${debtor_name}的下列义务已超过期限仍未办理，现提请您督办。\n\n"
            "事项：${obligation_zh}\n"
            "依据：${rule_id}\n"
            "对象：${subject_kind} ${subject_id}\n"
            "${owner_line}"
            "截止时间：${due_at_local}（北京时间），已逾期。" + _FOOTER
        ),
    ),
    # To the regulator, after the configured number of working days overdue.
    "regulator_escalation": MessageTemplate(
        subject=Template("【安居报送】${debtor_name}逾期未履行：${obligation_zh}"),
        body=Template(
            "监管部门：\n\n"
            "${debtor_name}的下列义务逾期已超过规定工作日仍未履行，特此报送。\n\n"
            "事项：${obligation_zh}\n"
            "依据：${rule_id}\n"
            "对象：${subject_kind} ${subject_id}\n"
            "${owner_line}"
            "截止时间：${due_at_local}（北京时间）" + _FOOTER
        ),
    ),
}

KINDS = tuple(TEMPLATES)


class TemplateError(ValueError):
    """An unknown template kind or missing parameters (named in the message, never their values)."""


def render(kind: str, params: Mapping[str, str]) -> tuple[str, str]:
    """The Chinese subject and body of a ``kind`` message, with personal data masked (XC-09)."""
    template = TEMPLATES.get(kind)
    if template is None:
        raise TemplateError(f"unknown message template kind {kind!r}; known: {', '.join(KINDS)}")
    missing = [name for name in PARAMS if name not in params]
    if missing:
        raise TemplateError(f"template {kind!r} is missing parameter(s): {', '.join(missing)}")
    values = {name: mask_personal_data(str(params[name])) for name in PARAMS}
    values["owner_name"] = mask_name(values["owner_name"])
    # The ledger rarely knows an owner's name (claims name owners by opaque id): no empty "业主：" line.
    values["owner_line"] = f"业主：{values['owner_name']}\n" if values["owner_name"] else ""
    # A subject is one header line: a newline pasted into a name must not start a new header.
    subject = " ".join(template.subject.substitute(values).split())
    return subject, template.body.substitute(values)
