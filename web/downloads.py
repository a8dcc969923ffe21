"""A file to download under its Chinese name (RFC 6266 filename*), as the pages hand them out."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

MEDIA = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".pdf": "application/pdf"}


def download(body: bytes, filename: str, inline: bool = False) -> Response:
    """The file as an attachment (a PDF may open in the browser: inline)."""
    suffix = filename[filename.rfind("."):] if "." in filename else ""
    plain = "download" + suffix
    how = "inline" if inline else "attachment"
    disposition = f"{how}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=MEDIA.get(suffix, "application/octet-stream"),
                    headers={"Content-Disposition": disposition})
