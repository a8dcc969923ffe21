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
    "refused": "操作被拒绝：{detail_zh} / refused: {detail}",
    "restore_refused": "备份未通过核验，未恢复任何内容 / the backup does not verify; nothing was restored",
    "backup_written": "备份已写入 {dest}：截至位置 {position}，共 {events} 个事件，"
    "{periods} 个考核周期，{seals} 个公示封印已核验 / backup written to {dest}: up to position {position},"
    " {events} events, {periods} period(s), {seals} seal(s) verified",
    "restored": "已恢复 {source}：截至位置 {position}，共 {events} 个事件，考核周期 {periods}，"
    "{seals} 个公示封印已核验，Merkle 根 {root} / restored {source}: up to position {position}, {events} events,"
    " period(s) {periods}, {seals} seal(s) verified, Merkle root {root}",
    "restore_anchored": "备份延续了 {count} 个已锚定的检查点，最新的树大小为 {size} / the backup extends the {count}"
    " anchored checkpoint(s); the newest has tree size {size}",
    "restore_unanchored": "注意：没有可核对的检查点文件（{path}），无法证明此备份未回退已签名的内容；在用"
    " scoreledger checkpoints anchor 重新建立之前，公示将被拒绝 / note: no checkpoint file to check against ({path}):"
    " nothing proves this backup keeps what was signed; publishing is refused until"
    " `scoreledger checkpoints anchor` re-establishes it",
    "restore_rolled_back": "已按 --accept-rollback 恢复一个未延续已签名检查点的备份；在将 {path} 移走并重新建立之前，"
    "公示将被拒绝 / restored a backup that does not extend the signed checkpoints (--accept-rollback);"
    " publishing is refused until {path} is moved aside and re-established",
    "anchor_written": "已写入检查点文件 {path}：{count} 个检查点，最新的树大小为 {size} / wrote the checkpoint file"
    " {path}: {count} checkpoint(s), the newest of tree size {size}",
    "anchor_from_store": "注意：最新的检查点取自存储本身（--from-store），只能证明此后不被改写 / note: the newest"
    " checkpoint was taken from the store itself (--from-store): it proves only that nothing is rewritten from now on",
    "anchor_refused": "检查点文件未写入 / the checkpoint file was not written",
    "anchor_show": "检查点文件 {path}：{count} 个检查点，均由本局密钥签名；最新的树大小为 {size}，根 {root}，"
    "考核周期 {period}"
    " / checkpoint file {path}: {count} checkpoint(s), each signed by the bureau's key; the newest has tree size"
    " {size}, root {root}, period {period}",
    "anchor_none": "没有检查点文件 {path} / there is no checkpoint file {path}",
    "demo_loaded": "演示数据已载入：{detail} / demo loaded: {detail_en}",
    "demo_present": "演示数据已完整载入，未重复载入 / the demo is already loaded in full; nothing added",
    "demo_resumed": "演示数据此前未载入完整，已续载：{detail}"
    " / the demo was loaded in part before; resumed: {detail_en}",
    "demo_detail": "考核方案 ZJG，考核周期 {period}，{subjects} 个被考核单位，{facts} 条事实，{tokens} 个演示令牌；"
    "追加 {appended} 个事件",
    "demo_detail_en": "ZJG scheme, period {period}, {subjects} subjects, {facts} facts, {tokens} demo tokens;"
    " {appended} events appended",
    # scoreledger facts import (cli/facts_cmds.py, service/bulk_file.py)
    "bulk_importing": "导入 {period}",
    "bulk_checking": "检查 {period}",
    "bulk_done": "已导入 {period}：本次录入 {facts} 条记录、{subjects} 个被考核单位，共 {batches} 批"
    "（另有 {skipped} 批此前已导入，本次跳过）；追加 {events} 个事件，日志位置 {positions}；"
    "用时 {seconds} 秒，每秒 {rate} 条；文件 SHA-256 {sha}"
    " / imported into {period}: {facts} fact(s) and {subjects} subject(s) recorded by this run"
    " in {batches} batch(es) ({skipped} batch(es) recorded before, skipped); {events} event(s)"
    " appended at log positions {positions}; {seconds} s, {rate} facts/s; file SHA-256 {sha}",
    "bulk_stopped": "导入在 {file} 第{line}行停止：该批有{n}处问题，已被拒绝；此行之前的各批已录入，"
    "此行及之后未录入任何内容。改正后用同一命令重新导入，已录入的批次不会重复录入"
    " / the import stopped at {file} line {line}: {n} problem(s) in its batch, refused;"
    " the batches before it are recorded, nothing from that line on. Correct it and run"
    " the same command again: batches already recorded are not recorded twice",
    "bulk_checked": "检查通过（未录入任何内容）：{period}，{items} 行，将录入 {facts} 条记录、{subjects} 个被考核单位，"
    "共 {batches} 批（另有 {skipped} 批此前已导入，将跳过）；文件 SHA-256 {sha} / check passed (nothing recorded):"
    " {period}, {items} line(s); {facts} fact(s) and {subjects} subject(s) would be recorded in {batches} batch(es)"
    " ({skipped} recorded before, to be skipped); file SHA-256 {sha}",
    "bulk_check_problems": "检查发现{n}处问题，未录入任何内容（{period}）/ the check found {n} problem(s); nothing"
    " was recorded ({period})",
    "bulk_problem": "第{line}行 {where}：{message}",
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
