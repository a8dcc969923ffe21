"""Every Chinese text the spreadsheets, templates, exports and the 公示 show, in one place.

Kept together so that they move into the project's catalog in one step (issue 10); the keys
are the catalog keys they will have there.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, str] = {
    # where a problem is
    "sheets.at": "工作表「{sheet}」第{row}行{column}列（{heading}）：{message}",
    "sheets.at_row": "工作表「{sheet}」第{row}行：{message}",
    "sheets.at_file": "{message}",
    "sheets.refused": "文件有{count}处问题，未导入任何记录",
    # reading the file
    "sheets.unreadable": "无法读取文件：{reason}",
    "sheets.unknown_format": "不支持的文件类型「{suffix}」：请上传 .xlsx、.xls 或 .csv 文件",
    "sheets.bad_encoding": "无法按 {encoding} 编码读取 CSV 文件：请另存为“CSV UTF-8”或选择正确的编码",
    "sheets.no_header": "找不到表头行：前{rows}行中没有“被考核单位”“考核项目”等列名",
    "sheets.no_rows": "文件中没有可导入的记录",
    "sheets.too_many_rows": "记录过多：一次最多导入{limit}行，本文件有{count}行",
    "sheets.duplicate_column": "列名「{heading}」与{other}列重复",
    "sheets.missing_column": "缺少“{heading}”列",
    "sheets.extra_cells": "该行的单元格多于表头的列数",
    "sheets.changed": "文件与预览时不同（预览 {expected}，本次 {actual}）：请重新预览后再确认",
    # values
    "sheets.required": "不能为空",
    "sheets.not_a_date": "「{value}」不是日期：请填写如 2021-03-05、2021.3.5 或 2021年3月5日",
    "sheets.not_a_count": "「{value}」不是正整数次数",
    "sheets.count_range": "次数应在1到{max}之间，填写的是{value}",
    "sheets.not_a_number": "「{value}」不是数字",
    "sheets.negative": "不能为负数：{value}",
    "sheets.unknown_subject": "找不到被考核单位「{value}」（本期登记的单位中没有这个名称或编号）",
    "sheets.ambiguous_subject": "被考核单位「{value}」有重名：请填写编号（{ids}）",
    "sheets.unknown_item": "找不到考核项目「{value}」：请填写方案中的项目编号、名称或条款",
    "sheets.ambiguous_item": "考核项目「{value}」不唯一：请填写项目编号（{ids}）",
    "sheets.not_office_item": "考核项目「{item}」由{owner}负责考核，不属于{offices}",
    "sheets.unknown_type": "不认识的类型「{value}」：可填 {choices}",
    "sheets.type_mismatch": "考核项目「{item}」是{kind}项目，与类型「{value}」不符",
    "sheets.unknown_value": "「{value}」不是{heading}的可选值：可填 {choices}",
    "sheets.needs_value": "考核项目「{item}」需要填写{heading}（可填 {choices}）",
    "sheets.not_used": "考核项目「{item}」不使用{heading}，请留空",
    "sheets.amount_range": "{heading}应在{low}到{high}之间，填写的是{value}",
    "sheets.rating_scale": "测评分{value}超过满分{scale}",
    "sheets.not_applicable": "考核项目「{item}」不适用于{kind}「{subject}」",
    "sheets.unknown_decision": "找不到{heading}「{value}」",
    "sheets.date_in_future": "发生日期{value}晚于今天",
    "sheets.too_long": "内容过长：最多{max}个字",
    "sheets.not_allowed": "无权录入：{reason}",
    "sheets.ledger": "{message}",
    # fact kinds
    "kind.deduction": "扣分",
    "kind.bonus": "加分",
    "kind.rating": "测评",
    "kind.veto": "一票否决",
    "kind.affirmation": "一票肯定",
    "kind.condition": "前置条件",
    # the template
    "template.title": "{period}{office}考核记录表",
    "template.sheet": "录入",
    "template.instructions_sheet": "填写说明",
    "template.items_sheet": "考核项目",
    "template.lists_sheet": "选项",
    "template.prompt_subject": "从下拉列表中选择被考核单位",
    "template.prompt_item": "从下拉列表中选择考核项目，条款见右侧“依据”列",
    "template.error_title": "输入无效",
    "template.error_list": "请从下拉列表中选择",
    "template.error_count": "次数应为1到10000之间的整数",
    "template.error_date": "请填写日期，如 2021-03-05",
    "template.article": "依据（条款与内容）",
    "template.instructions": (
        "1. 在“录入”工作表中每行填写一条考核记录，从第3行起填写，空行会被忽略。\n"
        "2. 被考核单位、考核项目和级别等请从下拉列表中选择；也可以填写编号。\n"
        "3. 次数填写正整数，默认为1；发生日期可写作 2021-03-05、2021.3.5 或 2021年3月5日。\n"
        "4. 证明材料填写文号、照片编号或存放位置，便于复核。\n"
        "5. 填写完成后在系统“表格导入”页面上传本文件，先预览，确认无误后再导入。\n"
        "6. 文件有任何错误时不会导入任何记录，系统会列出每个错误所在的行和列。\n"
        "7. 录入人、考核周期和记录编号由系统根据上传人和所选周期自动生成，无需填写。"
    ),
    "template.items_heading": "本科室负责考核的项目",
    # exports
    "export.rankings_title": "{period}考核结果排名",
    "export.scorecard_title": "{period}{name}考核得分明细",
    "export.appeals_title": "{period}申诉登记表",
    "export.year_title": "{year}年度考核结果汇总",
    "export.group": "组别：{group}",
    "export.eligible": "是",
    "export.ineligible": "否",
    "export.no_grade": "—",
    # 公示
    "publication.title": "关于{period}绩效考核结果的公示",
    "publication.intro": (
        "根据《{scheme}》{document}规定，经考核工作领导小组审定，现将{period}绩效考核结果予以公示。"
        "公示期为{start}至{end}（{days}个工作日）。公示期间如有异议，请以书面形式向{office}提出申诉，"
        "并说明理由、提供相关证明材料{phone}。申诉须在公示之日起{window}个工作日内（{deadline}前）提出，"
        "逾期不予受理（公示当日不计入）。"
    ),
    "publication.phone": "，联系电话：{phone}",
    "publication.annex": "附件：考核结果一览表",
    "publication.proof": "核验信息",
    "publication.proof_text": (
        "本公示结果已封存：日志位置 {position}，方案 {scheme} 第{version}版，共 {events} 条记录。"
        "扫描二维码或访问下方地址可核验结果未被改动。"
    ),
    "publication.root": "默克尔根（Merkle root）",
    "publication.fingerprint": "签名公钥指纹",
    "publication.unsigned": "（本封存未签名）",
    "publication.verify_at": "核验地址",
    "publication.signer": "{bureau}绩效考核工作领导小组",
    "publication.vetoed": "一票否决，不得评优",
    "publication.ineligible": "不得评优",
    "publication.only_grade": "（仅公示等次为{grade}的人员）",
    # months and dates
    "date.cn": "{year}年{month}月{day}日",
    "period.year": "{year}年度",
    "period.half": "{year}年{half}半年",
    "period.quarter": "{year}年第{quarter}季度",
}

COLUMNS: dict[str, str] = {
    "seq": "序号",
    "type": "类型",
    "subject": "被考核单位",
    "subject_name": "单位名称",
    "item": "考核项目",
    "article": "依据",
    "count": "次数",
    "amount": "分值",
    "occurred_on": "发生日期",
    "evidence": "证明材料",
    "level": "级别",
    "rank": "名次",
    "situation": "同一情况",
    "shortfall": "未完成比例",
    "matter": "督办事项",
    "parties": "共同承担单位",
    "rater": "测评人",
    "role": "测评角色",
    "value": "测评分",
    "veto": "否决事项",
    "affirmation": "肯定事项",
    "condition": "前置条件",
    "note": "备注",
    # exports
    "rank_no": "排名",
    "name": "单位",
    "total": "总分",
    "grade": "等次",
    "eligible": "可否评优",
    "reason": "原因",
    "max": "满分",
    "points": "得分",
    "raw": "计算分",
    "cut": "封顶/保底调整",
    "facts": "记录",
    "recorded_by": "录入人",
    "appeal": "申诉编号",
    "filed_on": "提出日期",
    "deadline": "申诉期限",
    "accepted_on": "受理日期",
    "decide_by": "答复期限",
    "decided_on": "决定日期",
    "outcome": "结果",
    "contested": "申诉事项",
    "reasons": "申诉理由",
    "year_grade": "年度等次",
}

OUTCOMES = {"filed": "已提出", "accepted": "已受理", "upheld": "更正", "rejected": "维持原分", "withdrawn": "撤回"}


def text(key: str, **values: Any) -> str:
    """The Chinese text under a key, filled in."""
    return TEXTS[key].format(**values)


def chinese_date(day: Any) -> str:
    """A date as people write it on a notice: 2021年4月30日."""
    return text("date.cn", year=day.year, month=day.month, day=day.day)


def period_name(code: str) -> str:
    """2021-Q1 -> 2021年第一季度; 2021-H2 -> 2021年下半年; 2021 -> 2021年度."""
    year = code[:4]
    if "-Q" in code:
        return text("period.quarter", year=year, quarter="一二三四"[int(code[-1]) - 1])
    if "-H" in code:
        return text("period.half", year=year, half="上下"[int(code[-1]) - 1])
    return text("period.year", year=year)
