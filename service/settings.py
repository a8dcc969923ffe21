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
    demo: bool = Field(False, description="Running the demo bureau: only then are the demo's tokens valid.")
    replay_wait: float = Field(5.0, ge=0, le=600, description="Seconds an as-of replay waits for the replay slot.")

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
