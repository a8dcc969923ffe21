"""What the operations side says to people: reminders and command-line lines, kept together.

Reminders are Chinese (the bureau reads them); command-line refusals are one line, Chinese then
English (the IT office may read either). Keys name the situation, values are format strings.
"""

from __future__ import annotations

LINES = {
    "store_busy": "存储正被另一个进程（运行中的服务）占用：请先停止服务再运行此命令，或改用 HTTP 接口；"
    "多进程部署请使用 PostgreSQL。 / The store is held by another process (the running service): stop it"
    " before this command, or use the HTTP API; several processes need PostgreSQL.",
    "store_missing": "找不到数据存储：{detail}；请检查 SCORELEDGER_DATA_DIR / no store found: {detail};"
    " check SCORELEDGER_DATA_DIR",
    "refused": "操作被拒绝：{detail} / refused: {detail}",
    "restore_refused": "备份未通过核验，未恢复任何内容 / the backup does not verify; nothing was restored",
    "backup_written": "备份已写入 {dest}：截至位置 {position}，共 {events} 个事件，"
    "{periods} 个考核周期，{seals} 个公示封印已核验 / backup written to {dest}: up to position {position},"
    " {events} events, {periods} period(s), {seals} seal(s) verified",
    "restored": "已恢复 {source}：截至位置 {position}，共 {events} 个事件，考核周期 {periods}，"
    "{seals} 个公示封印已核验，Merkle 根 {root} / restored {source}: up to position {position}, {events} events,"
    " period(s) {periods}, {seals} seal(s) verified, Merkle root {root}",
    "demo_loaded": "演示数据已载入：{detail} / demo loaded: {detail_en}",
    "demo_present": "演示数据已完整载入，未重复载入 / the demo is already loaded in full; nothing added",
    "demo_resumed": "演示数据此前未载入完整，已续载：{detail}"
    " / the demo was loaded in part before; resumed: {detail_en}",
    "demo_detail": "考核方案 ZJG，考核周期 {period}，{subjects} 个被考核单位，{facts} 条事实，{tokens} 个演示令牌；"
    "追加 {appended} 个事件",
    "demo_detail_en": "ZJG scheme, period {period}, {subjects} subjects, {facts} facts, {tokens} demo tokens;"
    " {appended} events appended",
    "store_not_demo": "存储中已有非演示数据，未载入演示数据 / the store holds other data; the demo was not loaded",
}


def line(key: str, **values: object) -> str:
    """One command-line line by key, filled in."""
    return LINES[key].format(**values)


#: Reminders (title, body) by kind; the fields come from the reminder's facts and the bureau.
REMINDERS = {
    "appeal_filed": (
        "【申诉提醒】{period} 考核结果收到新的申诉",
        "被考核单位 {subject} 于 {filed_on} 对 {period} 考核结果提出申诉（申诉编号 {appeal}）。"
        "请及时受理，并在规定的工作日内作出复核决定。",
    ),
    "appeal_window": (
        "【申诉期提醒】{period} 考核结果申诉期将于 {deadline} 截止",
        "{period} 考核结果于 {published_on} 公示，申诉期将于 {deadline} 截止（还有 2 个工作日），"
        "逾期不再受理申诉。",
    ),
    "decision_window": (
        "【复核时限提醒】申诉 {appeal} 须于 {decide_by} 前作出决定",
        "{subject} 对 {period} 考核结果的申诉（编号 {appeal}）已受理，"
        "考核工作领导小组须于 {decide_by} 前作出复核决定（还有 2 个工作日）。",
    ),
    "decision_overdue": (
        "【逾期提醒】申诉 {appeal} 的复核决定已逾期",
        "{subject} 对 {period} 考核结果的申诉（编号 {appeal}）复核期限为 {decide_by}，"
        "至今尚未作出决定，已经逾期，请尽快处理。",
    ),
}


def reminder_text(kind: str, bureau: str, facts: dict[str, str]) -> tuple[str, str]:
    """A reminder's title and body, with the bureau named at the end of the body."""
    title, body = REMINDERS[kind]
    values = {"bureau": bureau, **facts}
    return title.format(**values), body.format(**values) + f"\n（单位：{bureau}；本提醒由 scoreledger 自动发送）"
