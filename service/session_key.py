"""The key that signs web session cookies: from the settings, or made once and kept in data_dir."""

from __future__ import annotations

import os
import secrets

from service.settings import Settings


def session_secret(settings: Settings) -> str:
    """SCORELEDGER_SESSION_SECRET when set (several processes must share it), else data_dir/session.key."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / "session.key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
