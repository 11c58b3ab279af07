"""Chinese names for the codes the services answer with (UI text only; the codes stay in English)."""

from __future__ import annotations

CLAIM_STATUS = {
    "refused": "不予受理",
    "reported": "已报案",
    "survey_scheduled": "已约查勘",
    "surveyed": "已查勘",
    "covered": "属于保险责任",
    "not_covered": "不属于保险责任",
    "disputed": "争议中",
    "agreed": "已达成赔偿协议",
    "repair_assigned": "已指定维修单位",
    "repaired": "已修复",
    "paid": "已赔付",
    "not_liable": "不承担责任",
    "withdrawn": "已撤案",
}
PART = {
    "foundation_main_structure": "地基基础和主体结构",
    "insulation": "保温工程",
    "waterproofing": "防水工程",
    "other": "其他部位",
}
OBLIGATION = {
    "survey": "查勘",
    "perform_compensation": "履行赔偿",
    "decide_coverage": "核定是否属于保险责任",
    "rejection_notice": "发出不予赔偿通知书",
    "repair_warranty": "维修保修期",
    "upload_contract_to_regulator": "保险合同上传监管平台",
    "deliver_user_documents": "交付用户告知书",
    "joint_inspection_and_claims_briefing": "联合查验及理赔说明",
    "announce_to_all_owners": "向全体业主公示",
    "final_report_filing": "最终风险评估报告报送",
    "initial_risk_analysis_upload": "初步风险分析报告上传",
    "risk_plan_upload": "风险管理方案上传",
    "report_filing": "风险报告报送",
    "special_report_filing": "专项检查报告报送",
    "lab_result_notice": "检测结果通知",
}
STAGE = {
    "design": "设计",
    "construction_drawing_design": "施工图设计",
    "construction": "施工",
    "completion_acceptance": "竣工验收",
    "completion_filing": "竣工备案",
    "contractor_warranty": "施工单位保修期",
    "liability_period": "保险责任期",
    "ended": "已终止",
}
SEVERITY = {"general": "一般", "serious": "严重"}
ISSUE_STATE = {
    "open": "待整改",
    "rectified": "已整改待复核",
    "closed": "已销项",
}


def label(table: dict[str, str], code: object) -> str:
    return table.get(str(code), str(code))


AGENCY_STATUS = {"nominated": "待入库", "admitted": "在库", "refused": "未准入", "removed": "已移除出库"}
