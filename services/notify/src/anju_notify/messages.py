"""What a reminder or an escalation says (Chinese, XC-02), through a ``Render`` port.

The channels package owns the wording (``channels.templates.render``, with XC-09 masking); this module
turns an obligation and its step into the template's parameters.
"""

from __future__ import annotations

from anju_contracts.notify import ScheduledStep, StepKind
from anju_kit.clock import SHANGHAI
from anju_notify.domain.obligation import Obligation, Texts
from anju_notify.ports import Render

TEMPLATE_OF = {
    StepKind.REMINDER: "reminder",
    StepKind.SUPERVISOR: "escalation",
    StepKind.REGULATOR: "regulator_escalation",
}

# What is owed, as people say it (the obligation codes of claims, policy and risk); the code otherwise.
OBLIGATION_ZH = {
    "upload_contract_to_regulator": "保险合同上传监管平台",  # POL-07
    "deliver_user_documents": "用户须知及保修说明交付",  # POL-10
    "joint_inspection_and_claims_briefing": "联合检查及理赔说明",  # POL-09
    "announce_to_all_owners": "向全体业主公告",  # POL-09
    "perform_compensation": "理赔履行（赔付或维修）",  # CLM-03
    "rejection_notice": "拒赔通知书送达",  # CLM-04
    "initial_risk_analysis_upload": "风险初步分析报告上传",  # RSK-02
    "risk_plan_upload": "风险管理计划上传",  # RSK-02
    "report_filing": "风险检查报告上传",  # RSK-03
    "final_report_filing": "最终检查报告上传",  # RSK-07
    "special_report_filing": "专项检查报告上传",  # RSK-08
    "rectification": "风险问题整改",  # RSK-05
    "lab_result_notice": "检测结果通知",  # RSK-09
}

SUBJECT_ZH = {"claim": "理赔案件", "policy": "保单", "project": "项目", "risk_issue": "风险问题", "unit": "房屋"}


def params(obligation: Obligation, debtor_name: str | None = None) -> dict[str, str]:
    due = obligation.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if obligation.due_at else ""
    return {
        "obligation_zh": OBLIGATION_ZH.get(obligation.obligation, obligation.obligation),
        "rule_id": obligation.rule_id,
        "debtor_name": debtor_name or obligation.debtor.id,
        "subject_kind": SUBJECT_ZH.get(obligation.subject.kind, obligation.subject.kind),
        "subject_id": obligation.subject.id,
        "due_at_local": due,
        "owner_name": "",  # the ledger knows no owner's name; the templates mask one when given
    }


def texts_of(render: Render) -> Texts:
    def texts(obligation: Obligation, step: ScheduledStep) -> tuple[str, str]:
        return render(TEMPLATE_OF[step.kind], params(obligation))

    return texts
