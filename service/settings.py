"""Settings: the environment is read here and nowhere else, and bad values fail fast."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import Problem, ScoreledgerError


class SettingsInvalid(ScoreledgerError):
    """Raised when the environment holds a value the service cannot use."""


class Settings(BaseModel):
    """Where the log and the views live, and which bureau this installation serves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: Literal["sqlite", "postgres"] = "sqlite"
    data_dir: Path = Path("var")
    bureau: str = Field("default", pattern=r"^[A-Za-z0-9_.\-]+$")
    pg_host: str = "127.0.0.1"
    pg_port: int = Field(5432, ge=1, le=65535)
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_dbname: str = "scoreledger"
    pg_schema: str = Field("public", pattern=r"^[a-z_][a-z0-9_]*$")
    page_size: int = Field(1000, ge=1, le=100000)
    calendar_files: str = Field("", description="Comma-separated calendar files for years chinesecalendar lacks.")
    session_secret: str = Field("", description="Signs web session cookies; empty: a key kept in data_dir.")
    secure_cookies: bool = Field(False, description="Send the session cookie over HTTPS only (behind TLS).")
    demo: bool = Field(False, description="Running the demo bureau: only then are the demo's tokens valid.")
    replay_wait: float = Field(5.0, ge=0, le=600, description="Seconds an as-of replay waits for the replay slot.")
    public_url: str = Field("", pattern=r"^(https?://\S+)?$", description="The address the 公示's QR code opens "
                            "(the public verification page); empty: the address the page was asked at.")
    signing_key: Path | None = Field(
        None, description="The bureau's seal signing key (scoreledger keys create), kept outside the data directory."
    )
    checkpoint_log: Path | None = Field(
        None, description="The anchor: every checkpoint the service signed, appended (replay/anchor.py); default "
        "data_dir/checkpoints.log. Keep it on other storage or copy it off the machine; backups leave it out."
    )
    retired_keys: str = Field("", description="Public verifier keys of signing keys used before a rotation "
                              "(comma-separated lines or files): anchored checkpoints they signed stay trusted.")
    # operations (docs/deployment.md): logs, readiness, the view keeper
    log_format: Literal["json", "text"] = "json"
    ready_max_lag_events: int = Field(1000, ge=0, description="/readyz fails when the views are further behind.")
    ready_max_lag_seconds: int = Field(30, ge=0, description="/readyz fails when the oldest unseen event is older.")
    keeper_interval_ms: int = Field(1000, ge=10, le=3_600_000, description="How often the views catch up unasked.")
    # reminders (scoreledger notify): this bureau's webhook and e-mail; empty means not configured
    notify_webhook_url: str = Field("", pattern=r"^(https?://\S+)?$", description="http(s) only.")
    notify_webhook_format: Literal["generic", "wecom", "dingtalk"] = "generic"
    notify_smtp_host: str = ""
    notify_smtp_port: int = Field(25, ge=1, le=65535)
    notify_smtp_user: str = ""
    notify_smtp_password: str = ""
    notify_smtp_starttls: bool = False
    notify_mail_from: str = "scoreledger@localhost"
    notify_mail_to: str = Field("", description="Comma-separated addresses.")
    notify_interval_ms: int = Field(60_000, ge=100, le=86_400_000, description="How often the notifier looks.")

    def anchor_file(self) -> Path:
        """Where the checkpoints the service signed are anchored (F4/F5)."""
        return self.checkpoint_log if self.checkpoint_log is not None else self.data_dir / "checkpoints.log"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read SCORELEDGER_* variables; every bad value is reported at once."""
        environ = dict(os.environ if environ is None else environ)
        values = {k[len("SCORELEDGER_") :].lower(): v for k, v in environ.items() if k.startswith("SCORELEDGER_")}
        values.pop("venv", None)
        values.pop("token", None)  # the command line's caller (cli/sheets_cmds.py), not a setting of the service
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = [Problem("SCORELEDGER_" + str(e["loc"][0]).upper(), e["msg"]) for e in exc.errors()]
            raise SettingsInvalid("; ".join(str(p) for p in problems)) from None
