"""The test suite's seal signing key: made once per run, outside every store, as a bureau keeps its own."""

from __future__ import annotations

import tempfile
from pathlib import Path

from service.signing import create_key

TEST_KEY = Path(tempfile.mkdtemp(prefix="scoreledger-key-")) / "signing.key"
SIGNER = create_key(TEST_KEY, "test-bureau")
VERIFIER = SIGNER.public.verifier()
