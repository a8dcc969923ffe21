"""What the operations side says to people: reminders and command-line lines, kept together.

Reminders are Chinese (the bureau reads them); command-line refusals are one line, Chinese then
English (the IT office may read either). Keys name the situation, values are format strings.
"""

from __future__ import annotations

LINES = {
    "store_busy": (
        "存储正被另一个进程（运行中的服务）占用：{what}。"
        " / The store is held by another process (the running service): {what}."
    ),
    "store_busy_writer": "请先停止服务再运行此命令，或改用 HTTP 接口；多进程部署请使用 PostgreSQL"
    " / stop the service before this command, or use the HTTP API; several processes need PostgreSQL",
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
    "demo_loaded": "演示数据已载入：{detail} / demo loaded: {detail}",
    "demo_present": "演示数据已完整载入，未重复载入 / the demo is already loaded in full; nothing added",
    "demo_resumed": "演示数据此前未载入完整，已续载：{detail} / the demo was loaded in part before; resumed: {detail}",
    "store_not_demo": "存储中已有非演示数据，未载入演示数据 / the store holds other data; the demo was not loaded",
}


def line(key: str, **values: object) -> str:
    """One command-line line by key, filled in."""
    return LINES[key].format(**values)
